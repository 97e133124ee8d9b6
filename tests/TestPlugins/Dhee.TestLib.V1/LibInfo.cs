using System.ComponentModel;
using System.Globalization;

namespace Dhee.TestLib;

public static class LibInfo
{
    public static string Version => "v1";
}

/// <summary>Found by TypeDescriptor only through the plugin's contextual reflection context.</summary>
public sealed class LibConverter : TypeConverter
{
    public override bool CanConvertTo(ITypeDescriptorContext? context, Type? destinationType) => destinationType == typeof(string);

    public override object? ConvertTo(ITypeDescriptorContext? context, CultureInfo? culture, object? value, Type destinationType) => "converted-by-lib-v1";
}
