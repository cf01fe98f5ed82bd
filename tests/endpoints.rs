//! Endpoints by region and network, proven equal to the official Python SDKs: for each product
//! the metadata of `../shared/meta` describes, the host the generated client calls (the listed
//! one, the product's rule for a region the list lacks, the `vpc` network) and the host
//! `Client(config)._endpoint` of the official SDK builds for the same region and network.

use std::collections::BTreeMap;
use std::process::Command;

use acs_runtime::endpoint::{resolve, EndpointRule, Endpoints};
use acs_runtime::RegionEndpoint;
use acs_tests::{sdk_python, shared_dir};

/// Regions no metadata lists, so the rule decides.
const UNLISTED: [&str; 2] = ["mars-1", "cn-newcity-9"];

/// The endpoints a generated crate declares for `spec` (relative to `../shared/meta`).
fn declared(spec: &str) -> Option<Endpoints> {
    let shared = shared_dir("endpoints")?;
    let text = std::fs::read_to_string(shared.join("meta").join(spec).join("api-docs.json")).unwrap();
    let service = acs_ir::load(&text, &acs_ir::Options { operations: None, reserved_modules: &[] }).unwrap().service;
    let leak = |s: &str| -> &'static str { Box::leak(s.to_owned().into_boxed_str()) };
    let table: Vec<RegionEndpoint> = service.endpoints.iter().map(|(r, h)| RegionEndpoint::new(leak(r), leak(h))).collect();
    let prefix = leak(&service.endpoint_rule.prefix);
    let rule = if service.endpoint_rule.regional { EndpointRule::regional(prefix) } else { EndpointRule::central(prefix) };
    Some(Endpoints { table: Box::leak(table.into_boxed_slice()), rule })
}

fn ours(endpoints: &Endpoints, region: &str, network: &str) -> String {
    resolve(None, Some(region), Some(network), endpoints).unwrap().host.into_owned()
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

/// What the official client of a product declares and builds.
#[derive(serde::Deserialize)]
struct Official {
    rule: String,
    map: BTreeMap<String, String>,
    hosts: BTreeMap<String, BTreeMap<String, String>>,
}

fn official(python: &std::path::Path, module: &str, regions: &[&str]) -> Official {
    let out = Command::new(python)
        .arg(acs_tests::project_root().join("tests/interop/sdk_endpoints.py"))
        .args(["--networks", "public,vpc,share", "--regions", &regions.join(",")])
        .arg(format!("{module}:p"))
        .output()
        .expect("python runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut all: BTreeMap<String, Official> = serde_json::from_slice(&out.stdout).unwrap();
    all.remove("p").unwrap()
}

/// Every product of `../shared/meta` whose official client has an endpoint rule, compared on
/// every region its metadata or its client lists, and two no one lists, on three networks.
#[test]
fn hosts_by_region_and_network_are_the_official_sdks() {
    let Some(python) = sdk_python("endpoints") else { return };
    let products = [
        ("ecs/2014-05-26", "alibabacloud_ecs20140526"),
        ("cs/2015-12-15", "alibabacloud_cs20151215"),
        ("sts/2015-04-01", "alibabacloud_sts20150401"),
        ("eflo-controller/2022-12-15", "alibabacloud_eflo_controller20221215"),
    ];
    let (mut over_map, mut same, mut data) = (0, 0, 0);
    for (spec, module) in products {
        let Some(declared) = declared(spec) else { return };
        let probe = official(&python, module, &["cn-beijing"]);
        let mut regions: Vec<&str> = declared.table.iter().map(|e| e.region).chain(UNLISTED).collect();
        regions.extend(probe.map.keys().map(|r| leak(r)));
        regions.sort_unstable();
        regions.dedup();
        let sdk = official(&python, module, &regions);
        assert_eq!(sdk.rule, if declared.rule.regional { "regional" } else { "" }, "{spec}: the rule inferred from the list");
        // The same resolution over the official client's own map: equal everywhere.
        let mut map: Vec<RegionEndpoint> = sdk.map.iter().map(|(r, h)| RegionEndpoint::new(leak(r), leak(h))).collect();
        map.sort_by_key(|e| e.region);
        let theirs = Endpoints { table: Box::leak(map.into_boxed_slice()), rule: declared.rule };
        for (network, hosts) in &sdk.hosts {
            for (region, host) in hosts {
                assert_eq!(&ours(&theirs, region, network), host, "{spec} in {region} on {network}, over the SDK's map");
                over_map += 1;
                // Over the metadata's list: equal, but where the list and the SDK's map
                // (generated from another snapshot) disagree about the region.
                let listed = declared.table.iter().find(|e| e.region == region).map(|e| e.host);
                if ours(&declared, region, network) == *host {
                    same += 1;
                } else {
                    assert_ne!(
                        listed,
                        sdk.map.get(region).map(String::as_str),
                        "{spec} in {region} on {network}: {} against the SDK's {host}",
                        ours(&declared, region, network)
                    );
                    data += 1;
                }
            }
        }
    }
    eprintln!("over the SDK's maps: {over_map} hosts the same; over the metadata's lists: {same} the same, {data} where the list and the map disagree");
    assert!(over_map > 500 && same > 250, "{over_map}, {same}");
}

#[test]
fn listed_unlisted_and_vpc_hosts_of_ecs_cs_sts_and_swas() {
    // (region, network, host) per spec.
    type Hosts<'a> = [(&'a str, &'a str, &'a str); 6];
    let cases: [(&str, Hosts<'_>); 4] = [
        (
            "ecs/2014-05-26",
            [
                ("cn-beijing", "public", "ecs.cn-beijing.aliyuncs.com"),
                ("cn-beijing", "vpc", "ecs-vpc.cn-beijing.aliyuncs.com"),
                // Listed off the rule: the same host on every network, as the official map.
                ("cn-hangzhou", "vpc", "ecs-cn-hangzhou.aliyuncs.com"),
                ("cn-hangzhou-finance", "public", "ecs.aliyuncs.com"),
                ("mars-1", "public", "ecs.mars-1.aliyuncs.com"),
                ("mars-1", "vpc", "ecs-vpc.mars-1.aliyuncs.com"),
            ],
        ),
        (
            "cs/2015-12-15",
            [
                ("cn-beijing", "public", "cs.cn-beijing.aliyuncs.com"),
                ("cn-beijing", "vpc", "cs-vpc.cn-beijing.aliyuncs.com"),
                ("cn-hangzhou-finance", "public", "cs-vpc.cn-hangzhou-finance.aliyuncs.com"),
                ("cn-beijing-finance-1", "vpc", "cs.aliyuncs.com"),
                ("mars-1", "public", "cs.mars-1.aliyuncs.com"),
                ("mars-1", "vpc", "cs-vpc.mars-1.aliyuncs.com"),
            ],
        ),
        (
            "sts/2015-04-01",
            [
                ("cn-shanghai", "public", "sts.cn-shanghai.aliyuncs.com"),
                ("cn-shanghai", "vpc", "sts-vpc.cn-shanghai.aliyuncs.com"),
                ("cn-hangzhou-finance", "vpc", "sts.aliyuncs.com"),
                ("cn-shenzhen-finance-1", "public", "sts.aliyuncs.com"),
                ("mars-1", "public", "sts.mars-1.aliyuncs.com"),
                ("mars-1", "vpc", "sts-vpc.mars-1.aliyuncs.com"),
            ],
        ),
        (
            // The official SDK has no table for SWAS and calls swas-open.aliyuncs.com everywhere
            // (protocol.md §7); the metadata's list and its rule are what the service answers on.
            "swas-open/2020-06-01",
            [
                ("cn-hangzhou", "public", "swas.cn-hangzhou.aliyuncs.com"),
                ("cn-hangzhou", "vpc", "swas-vpc.cn-hangzhou.aliyuncs.com"),
                ("me-central-1", "public", "swas.me-central-1.aliyuncs.com"),
                ("me-central-1", "vpc", "swas-vpc.me-central-1.aliyuncs.com"),
                ("us-east-1", "public", "swas.us-east-1.aliyuncs.com"),
                ("us-east-1", "share", "swas-share.us-east-1.aliyuncs.com"),
            ],
        ),
    ];
    for (spec, hosts) in cases {
        let Some(endpoints) = declared(spec) else { return };
        for (region, network, host) in hosts {
            assert_eq!(ours(&endpoints, region, network), host, "{spec} in {region} on {network}");
        }
        // An explicit endpoint still wins.
        let explicit = resolve(Some("http://127.0.0.1:9"), Some("cn-beijing"), Some("vpc"), &endpoints).unwrap();
        assert_eq!(explicit.base_url(), "http://127.0.0.1:9");
    }
}
