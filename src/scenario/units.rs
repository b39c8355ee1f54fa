//! Quantities with units, as written in scenario and model files: durations (`250us`, `10ms`,
//! `24h`), sizes (`280B`, `200KB`, `16GiB`) and bandwidths (`10Gbit`, `1.25GB`).
//!
//! Each parser returns the value in the engine's base unit (nanoseconds, bytes, bytes per
//! second) or a message saying what is allowed. Positions are added by the caller.

/// Nanoseconds per unit suffix accepted in durations.
const DURATION_UNITS: &[(&str, f64)] =
    &[("ns", 1.0), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9), ("d", 86_400e9)];

/// Bytes per unit suffix accepted in sizes: KB/MB/GB/TB decimal, KiB/MiB/GiB/TiB binary.
const SIZE_UNITS: &[(&str, f64)] = &[
    ("B", 1.0),
    ("KB", 1e3),
    ("MB", 1e6),
    ("GB", 1e9),
    ("TB", 1e12),
    ("KiB", 1024.0),
    ("MiB", 1_048_576.0),
    ("GiB", 1_073_741_824.0),
    ("TiB", 1_099_511_627_776.0),
];

/// Bits per second per unit suffix accepted in bandwidths written in bits.
const BIT_UNITS: &[(&str, f64)] = &[("bit", 1.0), ("Kbit", 1e3), ("Mbit", 1e6), ("Gbit", 1e9), ("Tbit", 1e12)];

pub const DURATION_HELP: &str = "a duration with a unit: ns, us, ms, s, m, h or d (e.g. 250us, 10ms, 5s)";
pub const SIZE_HELP: &str =
    "a size with a unit: B, KB, MB, GB, TB (decimal) or KiB, MiB, GiB, TiB (binary), e.g. 280B, 200KB, 16GiB";
pub const BANDWIDTH_HELP: &str =
    "a bandwidth with a unit: bit, Kbit, Mbit, Gbit, Tbit (bits per second) or a size per second such as 1.25GB";

fn split_number(text: &str) -> Option<(f64, &str)> {
    let text = text.trim();
    let end = text
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || c == '_' || (i == 0 && (c == '-' || c == '+'))))
        .map(|(i, _)| i)
        .unwrap_or(text.len());
    let number: String = text[..end].chars().filter(|&c| c != '_').collect();
    let value: f64 = number.parse().ok()?;
    Some((value, text[end..].trim()))
}

fn with_unit(text: &str, units: &[(&str, f64)], help: &str) -> Result<f64, String> {
    let Some((value, unit)) = split_number(text) else {
        return Err(format!("`{text}` is not {help}"));
    };
    if unit.is_empty() {
        if value == 0.0 {
            return Ok(0.0);
        }
        return Err(format!("`{text}` has no unit; expected {help}"));
    }
    match units.iter().find(|(name, _)| *name == unit) {
        Some((_, scale)) => {
            let v = value * scale;
            if !v.is_finite() {
                return Err(format!("`{text}` is too large"));
            }
            if v < 0.0 {
                return Err(format!("`{text}` is negative; expected {help}"));
            }
            Ok(v)
        }
        None => Err(format!("`{text}` has an unknown unit `{unit}`; expected {help}")),
    }
}

/// Parses a duration into nanoseconds. A bare `0` is allowed.
pub fn parse_duration_ns(text: &str) -> Result<f64, String> {
    with_unit(text, DURATION_UNITS, DURATION_HELP)
}

/// Parses a size into bytes. A bare `0` is allowed.
pub fn parse_size_bytes(text: &str) -> Result<f64, String> {
    with_unit(text, SIZE_UNITS, SIZE_HELP)
}

/// Parses a bandwidth into bytes per second: bit units are divided by 8, size units are bytes/s.
pub fn parse_bandwidth_bytes_per_s(text: &str) -> Result<f64, String> {
    if let Ok(bits) = with_unit(text, BIT_UNITS, BANDWIDTH_HELP) {
        return Ok(bits / 8.0);
    }
    with_unit(text, SIZE_UNITS, BANDWIDTH_HELP).map_err(|_| format!("`{text}` is not {BANDWIDTH_HELP}"))
}

/// Formats bytes for people: `1.50 GB`, with decimal units as the estimate tables use.
pub fn human_bytes(bytes: f64) -> String {
    let units = ["B", "KB", "MB", "GB", "TB", "PB", "EB"];
    let mut v = bytes;
    let mut i = 0;
    while v.abs() >= 1000.0 && i + 1 < units.len() {
        v /= 1000.0;
        i += 1;
    }
    if i == 0 { format!("{v:.0} B") } else { format!("{v:.2} {}", units[i]) }
}

/// Formats a duration given in microseconds for people: `850 µs`, `12.3 ms`, `4.20 s`.
pub fn human_us(us: f64) -> String {
    if us < 1000.0 {
        format!("{us:.0} µs")
    } else if us < 1_000_000.0 {
        format!("{:.1} ms", us / 1000.0)
    } else {
        format!("{:.2} s", us / 1_000_000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() -> Result<(), String> {
        assert_eq!(parse_duration_ns("250us")?, 250_000.0);
        assert_eq!(parse_duration_ns("10ms")?, 10_000_000.0);
        assert_eq!(parse_duration_ns("1.5s")?, 1.5e9);
        assert_eq!(parse_duration_ns("10m")?, 600e9);
        assert_eq!(parse_duration_ns("24h")?, 86_400e9);
        assert_eq!(parse_duration_ns("0")?, 0.0);
        assert!(parse_duration_ns("10").unwrap_err().contains("no unit"));
        assert!(parse_duration_ns("10parsecs").unwrap_err().contains("unknown unit"));
        assert!(parse_duration_ns("-5s").unwrap_err().contains("negative"));
        assert!(parse_duration_ns("fast").is_err());
        Ok(())
    }

    #[test]
    fn sizes_and_bandwidths() -> Result<(), String> {
        assert_eq!(parse_size_bytes("280B")?, 280.0);
        assert_eq!(parse_size_bytes("200KB")?, 200_000.0);
        assert_eq!(parse_size_bytes("1.5GB")?, 1.5e9);
        assert_eq!(parse_size_bytes("16GiB")?, 16.0 * 1_073_741_824.0);
        assert_eq!(parse_bandwidth_bytes_per_s("10Gbit")?, 1.25e9);
        assert_eq!(parse_bandwidth_bytes_per_s("1GB")?, 1e9);
        assert!(parse_size_bytes("12 apples").is_err());
        Ok(())
    }

    #[test]
    fn human_formats() {
        assert_eq!(human_bytes(1_500_000_000.0), "1.50 GB");
        assert_eq!(human_bytes(12.0), "12 B");
        assert_eq!(human_us(850.0), "850 µs");
        assert_eq!(human_us(12_300.0), "12.3 ms");
    }
}
