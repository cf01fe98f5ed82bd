//! The request path against the crypto floor, and response decoding, in release:
//! `cargo bench -p acs-tests --bench request_path`.
//!
//! Each figure is the median of 15 samples of at least 50 ms each, in ns per call. The ratios
//! compare figures measured in this same run: the request path (build, validate, encode, sign;
//! no I/O) against the bare crypto of the same signature (the hashes and the HMAC over inputs of
//! the same sizes), and typed response decoding against parsing the same body into a
//! `serde_json::Value` and against the derived serde decoder the generator used to emit.

use std::hint::black_box;
use std::time::{Duration, Instant};

use acs_swas_open::attach_key_pair::AttachKeyPairRequest;
use acs_swas_open::list_instances::ListInstancesRequest;
use acs_swas_open::{Client, Config, Credentials, Operation, SignatureVersion};
use futures_util::FutureExt;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The baseline for decoding: ListInstancesResponse as this generator emitted it until it dropped
/// serde derives (derived `Deserialize`, each scalar through a lenient `deserialize_with`
/// helper), so the typed decoder is compared with what it replaced, in the same run.
mod derived {
    use serde::de::{self, Deserializer, Visitor};
    use serde::Deserialize;

    #[allow(dead_code)]
    #[derive(Deserialize)]
    pub(crate) struct Response {
        #[serde(rename = "RequestId", default, deserialize_with = "string")]
        request_id: Option<String>,
        #[serde(rename = "TotalCount", default, deserialize_with = "i32")]
        total_count: Option<i32>,
        #[serde(rename = "PageNumber", default, deserialize_with = "i32")]
        page_number: Option<i32>,
        #[serde(rename = "PageSize", default, deserialize_with = "i32")]
        page_size: Option<i32>,
        #[serde(rename = "Instances", default)]
        instances: Vec<Instance>,
    }

    #[allow(dead_code)]
    #[derive(Deserialize)]
    pub(crate) struct Instance {
        #[serde(rename = "InstanceId", default, deserialize_with = "string")]
        instance_id: Option<String>,
        #[serde(rename = "InstanceName", default, deserialize_with = "string")]
        instance_name: Option<String>,
        #[serde(rename = "RegionId", default, deserialize_with = "string")]
        region_id: Option<String>,
        #[serde(rename = "Status", default, deserialize_with = "string")]
        status: Option<String>,
    }

    enum Scalar {
        Str(String),
        Int(i64),
        Null,
    }

    struct ScalarVisitor;

    impl<'de> Visitor<'de> for ScalarVisitor {
        type Value = Scalar;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a scalar")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
            Ok(Scalar::Str(v.to_owned()))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
            Ok(Scalar::Int(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
            i64::try_from(v).map(Scalar::Int).map_err(E::custom)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
            Ok(Scalar::Null)
        }
    }

    fn string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(match d.deserialize_any(ScalarVisitor)? {
            Scalar::Str(s) => Some(s),
            Scalar::Int(i) => Some(i.to_string()),
            Scalar::Null => None,
        })
    }

    fn i32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i32>, D::Error> {
        let wide = match d.deserialize_any(ScalarVisitor)? {
            Scalar::Int(i) => i,
            Scalar::Str(s) => s.trim().parse().map_err(de::Error::custom)?,
            Scalar::Null => return Ok(None),
        };
        i32::try_from(wide).map(Some).map_err(de::Error::custom)
    }
}

/// Median ns per call of `f`.
fn measure(mut f: impl FnMut()) -> f64 {
    warm(&mut f);
    let mut per_call: Vec<f64> = (0..15).map(|_| sample(&mut f)).collect();
    median(&mut per_call)
}

/// `baseline` and `f` measured in turns, so that both see the machine in the same state (on a
/// shared VM, the speed of a core changes from one second to the next): each one's median, and
/// the median of the ratios of `f` to `baseline` in each turn.
fn measure_against(mut baseline: impl FnMut(), mut f: impl FnMut()) -> (f64, f64, f64) {
    warm(&mut baseline);
    warm(&mut f);
    let (mut base, mut ours, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..21 {
        let (b, o) = (sample(&mut baseline), sample(&mut f));
        base.push(b);
        ours.push(o);
        ratios.push(o / b);
    }
    (median(&mut base), median(&mut ours), median(&mut ratios))
}

fn warm(f: &mut impl FnMut()) {
    let warm = Instant::now();
    while warm.elapsed() < Duration::from_millis(200) {
        f();
    }
}

/// Nanoseconds per call of `f` over 50 ms.
fn sample(f: &mut impl FnMut()) -> f64 {
    let (mut n, start) = (0u64, Instant::now());
    while start.elapsed() < Duration::from_millis(50) {
        for _ in 0..64 {
            f();
        }
        n += 64;
    }
    start.elapsed().as_nanos() as f64 / n as f64
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn client(version: SignatureVersion) -> Client {
    let config = Config::new()
        .region("cn-hangzhou")
        .credentials(Credentials::new("LTAI5tExampleKeyId", "ExampleSecretValue0123456789"))
        .signature_version(version);
    Client::new(config).unwrap()
}

fn request() -> AttachKeyPairRequest {
    AttachKeyPairRequest::new("cn-hangzhou", ["2ad1ae67295445f598017499dc****", "2ad1ae67295445f598017499dc0002"], "my-key-pair")
}

fn main() {
    // The sizes of a V3 AttachKeyPair: canonical request ~420 bytes, string-to-sign 81.
    let canonical = vec![b'x'; 420];
    let v3_floor = || {
        let body_hash = hex::encode(Sha256::digest(black_box(b"")));
        let request_hash = hex::encode(Sha256::digest(black_box(&canonical)));
        let to_sign = format!("ACS3-HMAC-SHA256\n{request_hash}");
        let mut mac = Hmac::<Sha256>::new_from_slice(black_box(b"ExampleSecretValue0123456789")).unwrap();
        mac.update(to_sign.as_bytes());
        black_box((body_hash, hex::encode(mac.finalize().into_bytes())));
    };
    // RPC: one HMAC-SHA1 over a ~480-byte string-to-sign, base64.
    let rpc_input = vec![b'x'; 480];
    let rpc_floor = || {
        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(black_box(b"ExampleSecretValue0123456789&")).unwrap();
        mac.update(black_box(&rpc_input));
        black_box(base64::Engine::encode(&base64::engine::general_purpose::STANDARD, mac.finalize().into_bytes()));
    };
    let (v3, rpc) = (client(SignatureVersion::V3), client(SignatureVersion::Rpc));
    let (v3_floor_ns, v3_path, v3_ratio) = measure_against(v3_floor, || {
        black_box(v3.signed_request(black_box(request())).now_or_never().unwrap().unwrap());
    });
    let (rpc_floor_ns, rpc_path, rpc_ratio) = measure_against(rpc_floor, || {
        black_box(rpc.signed_request(black_box(request())).now_or_never().unwrap().unwrap());
    });
    // What the RPC protocol itself asks beyond the HMAC, with nothing else: the same signed
    // pairs, already built and borrowed, percent-encoded into the URL, sorted, encoded again
    // into the string-to-sign, signed.
    let sent = rpc.signed_request(request()).now_or_never().unwrap().unwrap();
    let (prefix, query) = sent.url.split_once('?').unwrap();
    let pairs: Vec<(String, String)> = acs_runtime::wire::decode_query(query).into_iter().filter(|(n, _)| n != "Signature").collect();
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let (_, rpc_signing, rpc_signing_ratio) = measure_against(rpc_floor, || {
        let mut url = String::with_capacity(prefix.len() + 1);
        url.push_str(prefix);
        url.push('?');
        acs_runtime::sign::sign_rpc_url(&mut url, "POST", "/", black_box(&pairs), &[], "ExampleSecretValue0123456789");
        black_box(url);
    });

    // Decoding: a ListInstances page of 20 servers (about 5.5 KB).
    let server = |i: usize| {
        format!(
            r#"{{"InstanceId":"2ad1ae67295445f598017499dc{i:04}","InstanceName":"web-{i}","RegionId":"cn-hangzhou","Status":"Running","ChargeType":"PrePaid","CreationTime":"2024-01-02T03:04:05Z","ExpiredTime":"2025-01-02T03:04:05Z","PublicIpAddress":"47.1.2.{i}","InnerIpAddress":"172.16.0.{i}","PlanId":"swas.s.c2m1s40b1.linux","ImageId":"7f2e4ed1","BusinessStatus":"Normal","DisableReason":"","ResourceGroupId":"rg-a","Uuid":"{i}"}}"#
        )
    };
    let servers: Vec<String> = (0..20).map(server).collect();
    let body = format!(
        r#"{{"RequestId":"20758A-585D-4A41-A9B2-28DA8F4F534F","TotalCount":"40","PageNumber":1,"PageSize":"20","Instances":[{}]}}"#,
        servers.join(",")
    );
    let value = measure(|| {
        black_box(serde_json::from_slice::<serde_json::Value>(black_box(body.as_bytes())).unwrap());
    });
    let (derived, typed, typed_ratio) = measure_against(
        || {
            black_box(serde_json::from_slice::<derived::Response>(black_box(body.as_bytes())).unwrap());
        },
        || {
            black_box(<ListInstancesRequest as Operation>::decode_response(black_box(body.as_bytes())).unwrap());
        },
    );

    println!("machine: {} logical CPUs; release build", std::thread::available_parallelism().map_or(0, |n| n.get()));
    println!("{:<44} {:>10} {:>8}", "", "ns/call", "ratio");
    // Each ratio is the median of ratios taken in turns with its floor (`measure_against`).
    println!("{:<44} {:>10.0} {:>8}", "V3 crypto floor (2 SHA-256, HMAC-SHA256, hex)", v3_floor_ns, "1.00×");
    println!("{:<44} {:>10.0} {:>7.2}×", "AttachKeyPair V3: build+validate+encode+sign", v3_path, v3_ratio);
    println!("{:<44} {:>10.0} {:>8}", "RPC crypto floor (HMAC-SHA1, base64)", rpc_floor_ns, "1.00×");
    println!("{:<44} {:>10.0} {:>7.2}×", "  of which encode+sort+sign its 13 pairs", rpc_signing, rpc_signing_ratio);
    println!("{:<44} {:>10.0} {:>7.2}×", "AttachKeyPair RPC: build+validate+encode+sign", rpc_path, rpc_ratio);
    // Issue 11 states its floor once, as the bare crypto of a V3 signature; against that floor
    // rather than the RPC signature's own (one HMAC-SHA1), the RPC path is (medians of
    // separate runs, so noisier):
    println!("{:<44} {:>10} {:>7.2}×", "  the same against the V3 crypto floor", "", rpc_path / v3_floor_ns);
    println!("{:<44} {:>10.0} {:>8}", format!("parse {} B into serde_json::Value", body.len()), value, "1.00×");
    println!("{:<44} {:>10.0} {:>7.2}×", "decode, derived serde (the former output)", derived, derived / value);
    println!("{:<44} {:>10.0} {:>7.2}×", "decode ListInstancesResponse (typed)", typed, typed / value);
    println!("typed decoding / derived serde decoding: {:.2}× (goal ≤ 1.5×)", typed_ratio);

    // Patterns: a spec's look-around pattern (devs 2023-07-14) on the backtracking engine,
    // against the same rule without look-around on the linear one; and a hostile pattern
    // whose every check runs to the step limit.
    let linear = acs_runtime::__private::Pattern::new("^[a-z][a-z0-9-]{1,40}$");
    let backtracking = acs_runtime::__private::Pattern::new("^[a-z](?!-)[a-z0-9-]{1,40}(?<!-)$");
    let hostile = acs_runtime::__private::Pattern::new("(x+x+)+(?>y)");
    let slug = "web-server-production-01";
    let worst = format!("{}zy", "x".repeat(40));
    let _ = (linear.is_match(slug), backtracking.is_match(slug), hostile.is_match(&worst));
    let linear_ns = measure(|| {
        black_box(linear.is_match(black_box(slug)));
    });
    let backtracking_ns = measure(|| {
        black_box(backtracking.is_match(black_box(slug)));
    });
    let hostile_ns = measure(|| {
        black_box(hostile.is_match(black_box(&worst)));
    });
    println!("{:<44} {:>10.0} {:>8}", "pattern, regex (no look-around)", linear_ns, "1.00×");
    println!("{:<44} {:>10.0} {:>7.2}×", "pattern, fancy-regex (look-around)", backtracking_ns, backtracking_ns / linear_ns);
    println!(
        "{:<44} {:>10.0} {:>7.0}×",
        format!("hostile pattern, to the {}-step limit", acs_runtime::__private::Pattern::BACKTRACK_LIMIT),
        hostile_ns,
        hostile_ns / linear_ns
    );
}
