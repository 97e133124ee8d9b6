using System.Threading.RateLimiting;

namespace Dhee.Server.Security;

/// <summary>A fixed-window rate limiter per credential, over .NET's <see cref="PartitionedRateLimiter"/>.</summary>
internal sealed class DheeRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> limiter;

    public DheeRateLimiter(DheeServerOptions options)
    {
        limiter = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.RateLimitPermits,
            Window = options.RateLimitWindow,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    public RateLimitLease Acquire(string key) => limiter.AttemptAcquire(key);

    public void Dispose() => limiter.Dispose();
}
