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
