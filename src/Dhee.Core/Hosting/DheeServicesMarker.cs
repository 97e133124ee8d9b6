namespace Dhee.Hosting;

/// <summary>Registered once by <c>AddDhee</c> so that further calls add nothing twice.</summary>
internal sealed class DheeServicesMarker
{
}
