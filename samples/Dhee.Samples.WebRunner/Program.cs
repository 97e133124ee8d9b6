using Dhee.Samples.WebRunner;

var app = WebRunnerApp.Create(args, WebRunnerSettings.FromEnvironment());
await app.RunAsync();
