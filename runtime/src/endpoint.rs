//! Regional endpoints, as listed in a product's metadata.

/// One region and the host that serves it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegionEndpoint {
    /// Region id, e.g. `cn-hangzhou`.
    pub region: &'static str,
    /// Host name, e.g. `swas.cn-hangzhou.aliyuncs.com`.
    pub host: &'static str,
}

/// Looks `region` up in a table sorted by region id.
pub fn lookup(table: &'static [RegionEndpoint], region: &str) -> Option<&'static str> {
    table
        .binary_search_by(|entry| entry.region.cmp(region))
        .ok()
        .map(|i| table[i].host)
}

/// Where requests go: scheme and `host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedEndpoint {
    /// `https` (default) or `http` (only when asked for explicitly, e.g. a local emulator).
    pub scheme: &'static str,
    /// Host, with the port when one was given; this is the signed `host` header.
    pub host: String,
}

impl ResolvedEndpoint {
    /// `scheme://host`.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme, self.host)
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
pub fn resolve(explicit: Option<&str>, region: Option<&str>, product: &str, table: &'static [RegionEndpoint]) -> Result<ResolvedEndpoint, EndpointError> {
    if let Some(raw) = explicit.map(str::trim).filter(|e| !e.is_empty()) {
        let invalid = |problem: &str| EndpointError::Invalid { endpoint: raw.to_owned(), problem: problem.to_owned() };
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
        return Ok(ResolvedEndpoint { scheme, host: host.to_owned() });
    }
    let region = region.map(str::trim).filter(|r| !r.is_empty()).ok_or(EndpointError::NoRegion)?;
    match lookup(table, region) {
        Some(host) => Ok(ResolvedEndpoint { scheme: "https", host: host.to_owned() }),
        None => Err(EndpointError::UnknownRegion { region: region.to_owned(), product: product.to_owned(), known: table.iter().map(|e| e.region.to_owned()).collect() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &[RegionEndpoint] = &[RegionEndpoint { region: "cn-beijing", host: "swas.cn-beijing.aliyuncs.com" }, RegionEndpoint { region: "cn-hangzhou", host: "swas.cn-hangzhou.aliyuncs.com" }];

    #[test]
    fn explicit_endpoint_wins_in_every_form() {
        let e = |s: &str| resolve(Some(s), Some("cn-hangzhou"), "P", TABLE).unwrap();
        assert_eq!(e("http://127.0.0.1:8080"), ResolvedEndpoint { scheme: "http", host: "127.0.0.1:8080".into() });
        assert_eq!(e("https://example.com/"), ResolvedEndpoint { scheme: "https", host: "example.com".into() });
        assert_eq!(e("swas-vpc.cn-hangzhou.aliyuncs.com"), ResolvedEndpoint { scheme: "https", host: "swas-vpc.cn-hangzhou.aliyuncs.com".into() });
        assert!(resolve(Some("ftp://x"), None, "P", TABLE).is_err());
        assert!(resolve(Some("http://x/path"), None, "P", TABLE).is_err());
    }

    #[test]
    fn region_table_and_unknown_region() {
        assert_eq!(resolve(None, Some("cn-beijing"), "P", TABLE).unwrap().base_url(), "https://swas.cn-beijing.aliyuncs.com");
        let err = resolve(None, Some("mars-1"), "SWAS-OPEN", TABLE).unwrap_err();
        assert_eq!(err.to_string(), "region \"mars-1\" has no known endpoint for SWAS-OPEN; known regions: cn-beijing, cn-hangzhou; or set an explicit endpoint");
        assert_eq!(resolve(None, None, "P", TABLE), Err(EndpointError::NoRegion));
    }
}
