//! Regional endpoints, as listed in a product's metadata.

/// One region and the host that serves it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegionEndpoint {
    /// Region id, e.g. `cn-hangzhou`.
    pub region: &'static str,
    /// Host name, e.g. `swas.cn-hangzhou.aliyuncs.com`.
    pub host: &'static str,
}

impl RegionEndpoint {
    /// `region` served by `host`.
    pub const fn new(region: &'static str, host: &'static str) -> Self {
        Self { region, host }
    }
}

/// True for a host name or address (without port; IPv6 with or without brackets) that is this
/// machine: `localhost`, `127.0.0.0/8`, `::1`.
pub fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Looks `region` up in a table sorted by region id.
pub fn lookup(table: &'static [RegionEndpoint], region: &str) -> Option<&'static str> {
    table.binary_search_by(|entry| entry.region.cmp(region)).ok().map(|i| table[i].host)
}

/// Where requests go: scheme and `host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedEndpoint {
    /// `https` (default) or `http` (only when asked for explicitly, e.g. a local emulator).
    pub scheme: &'static str,
    /// Host, with the port when one was given; this is the signed `host` header.
    pub host: std::borrow::Cow<'static, str>,
}

impl ResolvedEndpoint {
    /// `scheme://host`.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme, self.host)
    }

    /// True when the host is this machine (`localhost`, `127.0.0.0/8`, `[::1]`), as for a local
    /// emulator: plain HTTP there crosses no network.
    pub fn is_loopback(&self) -> bool {
        let host = match self.host.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(v6),
            None => self.host.rsplit_once(':').map_or(self.host.as_ref(), |(h, _)| h),
        };
        is_loopback_host(host)
    }

    /// Refuses plain HTTP to another machine for an operation whose spec allows only HTTPS,
    /// unless `allow_http` (the documented opt-in) is set.
    pub fn check_https(&self, operation: &str, https_only: bool, allow_http: bool) -> Result<(), EndpointError> {
        if https_only && self.scheme == "http" && !allow_http && !self.is_loopback() {
            return Err(EndpointError::HttpsOnly { operation: operation.to_owned(), endpoint: self.base_url() });
        }
        Ok(())
    }
}

/// Why no endpoint could be chosen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointError {
    /// The region is not in the product's endpoint table.
    #[error("region {region:?} has no known endpoint for {product}; known regions: {}; or set an explicit endpoint", known.join(", "))]
    UnknownRegion {
        /// The region asked for.
        region: String,
        /// The product.
        product: String,
        /// Regions the spec lists.
        known: Vec<String>,
    },
    /// Neither an endpoint nor a region was given.
    #[error("no endpoint and no region: set a region (or the request's RegionId) or an explicit endpoint")]
    NoRegion,
    /// The operation allows only HTTPS, and the endpoint is plain HTTP to a host that is not
    /// this machine.
    #[error("{operation} allows only HTTPS, and {endpoint} is plain HTTP to another machine; use https://, or Config::allow_insecure_http to override")]
    HttpsOnly {
        /// The operation.
        operation: String,
        /// The endpoint, `http://host[:port]`.
        endpoint: String,
    },
    /// The explicit endpoint cannot be used.
    #[error("endpoint {endpoint:?} is not usable: {problem}")]
    Invalid {
        /// As given.
        endpoint: String,
        /// Why.
        problem: String,
    },
}

/// Chooses the endpoint: an explicit one (host, `host:port` or full `http(s)://` URL) wins;
/// otherwise the region's entry in `table`. HTTPS unless an explicit URL says `http://`.
pub fn resolve(
    explicit: Option<&str>,
    region: Option<&str>,
    product: &str,
    table: &'static [RegionEndpoint],
) -> Result<ResolvedEndpoint, EndpointError> {
    if let Some(raw) = explicit.map(str::trim).filter(|e| !e.is_empty()) {
        let invalid = |problem: &str| EndpointError::Invalid { endpoint: crate::text::without_userinfo(raw), problem: problem.to_owned() };
        let (scheme, rest) = match raw.split_once("://") {
            Some(("https", rest)) => ("https", rest),
            Some(("http", rest)) => ("http", rest),
            Some((other, _)) => return Err(invalid(&format!("scheme {other:?} is not http or https"))),
            None => ("https", raw),
        };
        let host = rest.strip_suffix('/').unwrap_or(rest);
        if host.is_empty() {
            return Err(invalid("no host"));
        }
        if host.contains(['/', '?', '#', '@', ' ']) {
            return Err(invalid("RPC endpoints are a host (and port) only, without path, query or user"));
        }
        check_host(host).map_err(|problem| invalid(&problem))?;
        return Ok(ResolvedEndpoint { scheme, host: host.to_owned().into() });
    }
    let region = region.map(str::trim).filter(|r| !r.is_empty()).ok_or(EndpointError::NoRegion)?;
    match lookup(table, region) {
        Some(host) => Ok(ResolvedEndpoint { scheme: "https", host: host.into() }),
        None => Err(EndpointError::UnknownRegion {
            region: region.to_owned(),
            product: product.to_owned(),
            known: table.iter().map(|e| e.region.to_owned()).collect(),
        }),
    }
}

/// A host name or IP address, with an optional port: nothing that could break a request line or
/// a header (a CR/LF, a control character).
fn check_host(host: &str) -> Result<(), String> {
    let (name, port) = match host.strip_prefix('[') {
        Some(v6) => {
            let (address, rest) = v6.split_once(']').ok_or("an IPv6 address must end with ']'")?;
            if address.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(format!("[{address}] is not an IPv6 address"));
            }
            (None, rest.strip_prefix(':').map(Some).unwrap_or_else(|| (!rest.is_empty()).then_some(rest)))
        }
        None => match host.rsplit_once(':') {
            Some((name, port)) => (Some(name), Some(port)),
            None => (Some(host), None),
        },
    };
    if let Some(name) = name {
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b".-_".contains(&b)) {
            return Err("the host may contain only letters, digits, '.', '-' and '_'".into());
        }
    }
    if let Some(port) = port {
        if port.parse::<u16>().map_or(true, |p| p == 0) {
            return Err("the port must be a number from 1 to 65535".into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &[RegionEndpoint] = &[
        RegionEndpoint { region: "cn-beijing", host: "swas.cn-beijing.aliyuncs.com" },
        RegionEndpoint { region: "cn-hangzhou", host: "swas.cn-hangzhou.aliyuncs.com" },
    ];

    #[test]
    fn explicit_endpoint_wins_in_every_form() {
        let e = |s: &str| resolve(Some(s), Some("cn-hangzhou"), "P", TABLE).unwrap();
        assert_eq!(e("http://127.0.0.1:8080"), ResolvedEndpoint { scheme: "http", host: "127.0.0.1:8080".into() });
        assert_eq!(e("https://example.com/"), ResolvedEndpoint { scheme: "https", host: "example.com".into() });
        assert_eq!(
            e("swas-vpc.cn-hangzhou.aliyuncs.com"),
            ResolvedEndpoint { scheme: "https", host: "swas-vpc.cn-hangzhou.aliyuncs.com".into() }
        );
        assert_eq!(e("http://[::1]:9000").host, "[::1]:9000");
        assert!(resolve(Some("ftp://x"), None, "P", TABLE).is_err());
        assert!(resolve(Some("http://x/path"), None, "P", TABLE).is_err());
        for bad in ["exa\r\nmple.com", "host:0", "host:99999", "host:x", "[::1", "[nope]:80", "ex\u{1b}ample", ":80"] {
            let err = resolve(Some(bad), None, "P", TABLE).unwrap_err();
            assert!(matches!(err, EndpointError::Invalid { .. }), "{bad:?}: {err}");
            assert!(!err.to_string().contains('\n') && !err.to_string().contains('\u{1b}'), "{err}");
        }
    }

    #[test]
    fn https_only_refuses_plain_http_except_to_this_machine_or_when_allowed() {
        let e = |s: &str| resolve(Some(s), None, "P", TABLE).unwrap();
        for local in ["http://127.0.0.1:8080", "http://localhost", "http://[::1]:9000", "http://127.3.4.5"] {
            assert_eq!(e(local).check_https("Op", true, false), Ok(()), "{local}");
        }
        let err = e("http://10.0.0.1:8080").check_https("AttachKeyPair", true, false).unwrap_err();
        assert_eq!(err.to_string(), "AttachKeyPair allows only HTTPS, and http://10.0.0.1:8080 is plain HTTP to another machine; use https://, or Config::allow_insecure_http to override");
        assert_eq!(e("http://example.com").check_https("Op", true, true), Ok(()), "the opt-in");
        assert_eq!(e("http://example.com").check_https("Op", false, false), Ok(()), "HTTP allowed by the spec");
        assert_eq!(e("https://example.com").check_https("Op", true, false), Ok(()));
    }

    #[test]
    fn region_table_and_unknown_region() {
        assert_eq!(resolve(None, Some("cn-beijing"), "P", TABLE).unwrap().base_url(), "https://swas.cn-beijing.aliyuncs.com");
        let err = resolve(None, Some("mars-1"), "SWAS-OPEN", TABLE).unwrap_err();
        assert_eq!(
            err.to_string(),
            "region \"mars-1\" has no known endpoint for SWAS-OPEN; known regions: cn-beijing, cn-hangzhou; or set an explicit endpoint"
        );
        assert_eq!(resolve(None, None, "P", TABLE), Err(EndpointError::NoRegion));
    }
}
