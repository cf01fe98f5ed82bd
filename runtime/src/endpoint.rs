//! Where calls go: the regional endpoints a product's metadata lists, the product's rule for a
//! region the list lacks, and endpoints by network type (`vpc`), as the official SDKs build them.

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

/// How the official SDKs build a product's host for a region its endpoint list lacks
/// (`EndpointUtil.get_endpoint_rules`): regional, `<prefix><-network>.<region>.aliyuncs.com`, or
/// central, `<prefix><-network>.aliyuncs.com`. The generator infers it from the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct EndpointRule {
    /// The host's first label before any network suffix, e.g. `ecs`, `swas`.
    pub prefix: &'static str,
    /// Regional (`ecs.cn-beijing.aliyuncs.com`) rather than central (`ecs.aliyuncs.com`).
    pub regional: bool,
}

impl EndpointRule {
    /// `<prefix><-network>.<region>.aliyuncs.com`.
    pub const fn regional(prefix: &'static str) -> Self {
        Self { prefix, regional: true }
    }

    /// `<prefix><-network>.aliyuncs.com`, whatever the region.
    pub const fn central(prefix: &'static str) -> Self {
        Self { prefix, regional: false }
    }

    /// The host for `region` on `network` (`None` or `public`: the public one). `None` when the
    /// rule is regional and there is no region.
    pub fn host(&self, region: Option<&str>, network: Option<&str>) -> Option<String> {
        let prefix = self.prefix.to_ascii_lowercase();
        let network =
            network.filter(|n| !n.is_empty() && *n != "public").map(|n| format!("-{}", n.to_ascii_lowercase())).unwrap_or_default();
        match (self.regional, region) {
            (true, Some(region)) => Some(format!("{prefix}{network}.{region}.aliyuncs.com")),
            (true, None) => None,
            (false, _) => Some(format!("{prefix}{network}.aliyuncs.com")),
        }
    }
}

/// What a product declares about its endpoints: the listed hosts and the rule for the rest.
#[derive(Clone, Copy, Debug)]
pub struct Endpoints {
    /// Region → host, sorted by region id.
    pub table: &'static [RegionEndpoint],
    /// The rule for a region the table lacks (and for networks other than the public one).
    pub rule: EndpointRule,
}

/// Checks a network type (`vpc`, `share`, `ipv6`, …): a DNS label's letters, digits and `-`, as it
/// becomes part of a host name. `None` for the public network (unset, empty or `public`).
pub fn network_label(network: Option<&str>) -> Result<Option<&str>, EndpointError> {
    let Some(network) = network.map(str::trim).filter(|n| !n.is_empty() && !n.eq_ignore_ascii_case("public")) else {
        return Ok(None);
    };
    let ok = network.len() <= 32 && network.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !ok || network.starts_with('-') || network.ends_with('-') {
        return Err(EndpointError::Network { network: crate::text::printable(network, 64) });
    }
    Ok(Some(network))
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
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndpointError {
    /// The region cannot be part of a host name.
    Region {
        /// The region asked for, printable.
        region: String,
    },
    /// The network type cannot be part of a host name.
    Network {
        /// The network asked for, printable.
        network: String,
    },
    /// Neither an endpoint nor a region was given.
    NoRegion,
    /// The operation allows only HTTPS, and the endpoint is plain HTTP to a host that is not
    /// this machine.
    HttpsOnly {
        /// The operation.
        operation: String,
        /// The endpoint, `http://host[:port]`.
        endpoint: String,
    },
    /// The explicit endpoint cannot be used.
    Invalid {
        /// As given.
        endpoint: String,
        /// Why.
        problem: String,
    },
}

impl std::fmt::Display for EndpointError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EndpointError::Region { region } => write!(
                f,
                "region {region:?} is not a region id (letters, digits, '-' and '_'); set a region such as cn-hangzhou, or an explicit endpoint"
            ),
            EndpointError::Network { network } => write!(
                f,
                "network type {network:?} is not one (letters, digits and '-', e.g. vpc); leave it unset or `public` for the public endpoints"
            ),
            EndpointError::NoRegion => {
                f.write_str("no endpoint and no region: set a region (or the request's RegionId) or an explicit endpoint")
            }
            EndpointError::HttpsOnly { operation, endpoint } => write!(
                f,
                "{operation} allows only HTTPS, and {endpoint} is plain HTTP to another machine; use https://, or Config::allow_insecure_http to override"
            ),
            EndpointError::Invalid { endpoint, problem } => write!(f, "endpoint {endpoint:?} is not usable: {problem}"),
        }
    }
}

impl std::error::Error for EndpointError {}

/// Chooses the endpoint, as the official SDKs do (`get_endpoint`): an explicit one (host,
/// `host:port` or full `http(s)://` URL) wins; then the region's listed host, unless a network is
/// asked for and the listed host is the rule's own public host; then the rule. HTTPS unless an
/// explicit URL says `http://`.
///
/// So ECS in `cn-beijing` is `ecs.cn-beijing.aliyuncs.com`, on `vpc` `ecs-vpc.cn-beijing.aliyuncs.com`,
/// and in a region the list lacks `ecs.<region>.aliyuncs.com`; a listed host off the rule (ECS's
/// `ecs-cn-hangzhou.aliyuncs.com`) is used on every network, as the official SDKs use their
/// endpoint map before the rule.
pub fn resolve(
    explicit: Option<&str>,
    region: Option<&str>,
    network: Option<&str>,
    endpoints: &Endpoints,
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
    let network = network_label(network)?;
    let region = region.map(str::trim).filter(|r| !r.is_empty());
    if let Some(region) = region {
        if !region.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(EndpointError::Region { region: crate::text::printable(region, 64) });
        }
    }
    let listed = region.and_then(|r| lookup(endpoints.table, r));
    if let Some(host) = listed {
        // The listed host is an exception to the rule (the official SDKs' endpoint map), or the
        // public network is asked for: it wins.
        if network.is_none() || endpoints.rule.host(region, None).as_deref() != Some(host) {
            return Ok(ResolvedEndpoint { scheme: "https", host: host.into() });
        }
    }
    match endpoints.rule.host(region, network) {
        Some(host) => Ok(ResolvedEndpoint { scheme: "https", host: host.into() }),
        None => Err(EndpointError::NoRegion),
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
    const SWAS: Endpoints = Endpoints { table: TABLE, rule: EndpointRule::regional("swas") };

    fn host(region: Option<&str>, network: Option<&str>, endpoints: &Endpoints) -> String {
        resolve(None, region, network, endpoints).unwrap().base_url()
    }

    #[test]
    fn explicit_endpoint_wins_in_every_form() {
        let e = |s: &str| resolve(Some(s), Some("cn-hangzhou"), Some("vpc"), &SWAS).unwrap();
        assert_eq!(e("http://127.0.0.1:8080"), ResolvedEndpoint { scheme: "http", host: "127.0.0.1:8080".into() });
        assert_eq!(e("https://example.com/"), ResolvedEndpoint { scheme: "https", host: "example.com".into() });
        assert_eq!(
            e("swas-vpc.cn-hangzhou.aliyuncs.com"),
            ResolvedEndpoint { scheme: "https", host: "swas-vpc.cn-hangzhou.aliyuncs.com".into() }
        );
        assert_eq!(e("http://[::1]:9000").host, "[::1]:9000");
        assert!(resolve(Some("ftp://x"), None, None, &SWAS).is_err());
        assert!(resolve(Some("http://x/path"), None, None, &SWAS).is_err());
        for bad in ["exa\r\nmple.com", "host:0", "host:99999", "host:x", "[::1", "[nope]:80", "ex\u{1b}ample", ":80"] {
            let err = resolve(Some(bad), None, None, &SWAS).unwrap_err();
            assert!(matches!(err, EndpointError::Invalid { .. }), "{bad:?}: {err}");
            assert!(!err.to_string().contains('\n') && !err.to_string().contains('\u{1b}'), "{err}");
        }
    }

    #[test]
    fn https_only_refuses_plain_http_except_to_this_machine_or_when_allowed() {
        let e = |s: &str| resolve(Some(s), None, None, &SWAS).unwrap();
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
    fn listed_region_unlisted_region_and_networks() {
        assert_eq!(host(Some("cn-beijing"), None, &SWAS), "https://swas.cn-beijing.aliyuncs.com");
        assert_eq!(host(Some("cn-beijing"), Some("public"), &SWAS), "https://swas.cn-beijing.aliyuncs.com");
        assert_eq!(host(Some("cn-beijing"), Some("vpc"), &SWAS), "https://swas-vpc.cn-beijing.aliyuncs.com");
        assert_eq!(host(Some("me-central-1"), None, &SWAS), "https://swas.me-central-1.aliyuncs.com", "the rule");
        assert_eq!(host(Some("me-central-1"), Some("vpc"), &SWAS), "https://swas-vpc.me-central-1.aliyuncs.com");
        assert_eq!(resolve(None, None, None, &SWAS), Err(EndpointError::NoRegion));
        assert_eq!(resolve(None, None, Some("vpc"), &SWAS), Err(EndpointError::NoRegion));
    }

    #[test]
    fn a_listed_host_off_the_rule_wins_on_every_network_as_the_official_map_does() {
        const ECS: Endpoints = Endpoints {
            table: &[
                RegionEndpoint { region: "cn-beijing", host: "ecs.cn-beijing.aliyuncs.com" },
                RegionEndpoint { region: "cn-hangzhou", host: "ecs-cn-hangzhou.aliyuncs.com" },
                RegionEndpoint { region: "cn-hangzhou-finance", host: "ecs.aliyuncs.com" },
            ],
            rule: EndpointRule::regional("ecs"),
        };
        assert_eq!(host(Some("cn-hangzhou"), Some("vpc"), &ECS), "https://ecs-cn-hangzhou.aliyuncs.com");
        assert_eq!(host(Some("cn-hangzhou-finance"), Some("vpc"), &ECS), "https://ecs.aliyuncs.com");
        assert_eq!(host(Some("cn-beijing"), Some("vpc"), &ECS), "https://ecs-vpc.cn-beijing.aliyuncs.com");
    }

    #[test]
    fn a_central_rule_needs_no_region() {
        const CENTRAL: Endpoints = Endpoints { table: &[], rule: EndpointRule::central("SWAS-OPEN") };
        assert_eq!(host(None, None, &CENTRAL), "https://swas-open.aliyuncs.com");
        assert_eq!(host(Some("cn-hangzhou"), Some("vpc"), &CENTRAL), "https://swas-open-vpc.aliyuncs.com");
    }

    #[test]
    fn regions_and_networks_that_cannot_be_part_of_a_host_are_refused() {
        for bad in ["cn hangzhou", "cn-hangzhou.evil.com/", "a\r\nb", "x:1"] {
            let err = resolve(None, Some(bad), None, &SWAS).unwrap_err();
            assert!(matches!(err, EndpointError::Region { .. }), "{bad:?}: {err}");
        }
        for bad in ["vpc.evil", "-vpc", "a b", "v\npc", "vpc_1"] {
            let err = resolve(None, Some("cn-beijing"), Some(bad), &SWAS).unwrap_err();
            assert!(matches!(err, EndpointError::Network { .. }), "{bad:?}: {err}");
            assert!(!err.to_string().contains('\n'), "{err}");
        }
        assert_eq!(network_label(Some(" vpc ")), Ok(Some("vpc")));
        assert_eq!(network_label(Some("PUBLIC")), Ok(None));
        assert_eq!(host(Some("cn-beijing"), Some("VPC"), &SWAS), "https://swas-vpc.cn-beijing.aliyuncs.com");
    }
}
