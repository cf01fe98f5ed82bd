//! What users of aliyun-cli expect of the generated `swas-open` command, against the emulator:
//! `--pager` (every page merged, through the library's paginator), `--query` (JMESPath),
//! `--output table` and aliyun-cli's `cols=`/`rows=`, `--waiter expr= to=` with its timeout and
//! interval, and shell completions.

use acs_emulator::state::State;
use acs_runtime::credentials::Environment;
use acs_tests::emu;

struct Run {
    code: i32,
    out: String,
    err: String,
}

async fn swas_open(args: &[&str]) -> Run {
    let env = Environment::new([("ALIBABA_CLOUD_ACCESS_KEY_ID", "testid"), ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "testsecret")], None);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = acs_swas_open::cli::run(std::iter::once("swas-open").chain(args.iter().copied()), env, &mut out, &mut err).await;
    Run { code, out: String::from_utf8(out).unwrap(), err: String::from_utf8(err).unwrap() }
}

fn requests(emulator: &acs_emulator::Emulator) -> u64 {
    emulator.state()["requests"].as_u64().unwrap()
}

#[tokio::test]
async fn pager_merges_every_page_and_query_and_tables_shape_it() {
    let (emulator, running) = emu::start(emu::state(23), None).await;
    let url = running.url.as_str();
    let list = ["--endpoint", url, "list-instances", "--region-id", "cn-hangzhou", "--page-size", "5", "--output", "compact"];

    let run = swas_open(&[&list[..], &["--pager"]].concat()).await;
    assert_eq!(run.code, 0, "{}", run.err);
    let merged: serde_json::Value = serde_json::from_str(&run.out).unwrap();
    let ids: Vec<&str> = merged["Instances"].as_array().unwrap().iter().map(|i| i["InstanceId"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 23, "{}", run.out);
    assert_eq!((ids[0], ids[22]), ("i-1", "i-23"));
    assert_eq!(merged.as_object().unwrap().len(), 1, "only the items, as aliyun-cli merges them: {}", run.out);
    assert_eq!(requests(&emulator), 5, "five pages of five, the last one short");

    // A query over the merged answer.
    let run = swas_open(&[&list[..], &["--pager", "--query", "length(Instances)"]].concat()).await;
    assert_eq!((run.code, run.out.trim()), (0, "23"), "{}", run.err);
    let run = swas_open(&[&list[..], &["--cli-query", "Instances[?InstanceId=='i-3'].RegionId | [0]"]].concat()).await;
    assert_eq!((run.code, run.out.trim()), (0, "\"cn-hangzhou\""), "--cli-query, aliyun-cli's spelling, on one page: {}", run.err);

    // aliyun-cli's two-word table form, after the subcommand and before it.
    let run = swas_open(
        &[&list[..], &["--pager", "--output", "cols=InstanceId,Status", "rows=Instances[?InstanceId=='i-2' || InstanceId=='i-21']"]]
            .concat(),
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.err);
    assert_eq!(run.out, "InstanceId | Status\n---------- | -------\ni-2        | Running\ni-21       | Running\n");
    let run =
        swas_open(&["--output", "table", "--query", "Instances[:2]", "--endpoint", url, "list-instances", "--region-id", "cn-hangzhou"])
            .await;
    assert_eq!(run.code, 0, "{}", run.err);
    let lines: Vec<&str> = run.out.lines().collect();
    assert_eq!(lines.len(), 4, "{}", run.out);
    assert!(lines[0].contains("InstanceId") && lines[0].contains(" | ") && lines[2].contains("i-1"), "{}", run.out);

    // --pager on an operation that does not page, and a query that is not JMESPath: usage errors.
    let attach = ["--endpoint", url, "attach-key-pair", "--region-id", "cn-hangzhou", "--instance-ids", "i-1", "--key-pair-name", "test"];
    let run = swas_open(&[&attach[..], &["--pager"]].concat()).await;
    assert_eq!(run.code, 2);
    assert!(run.err.contains("--pager: AttachKeyPair is not a list operation"), "{}", run.err);
    let run = swas_open(&[&list[..], &["--query", "Instances[?"]].concat()).await;
    assert_eq!(run.code, 2);
    assert!(run.err.contains("--query"), "{}", run.err);
}

fn starting_server(after_ms: u64) -> State {
    State::parse(&format!(
        r#"{{"access_keys":{},"instances":[{{"id":"i-1","region":"cn-hangzhou","status":"Starting","becomes":{{"status":"Running","after_ms":{after_ms}}}}}],"key_pairs":[]}}"#,
        emu::KEYS
    ))
    .unwrap()
}

#[tokio::test]
async fn the_librarys_wait_until_sees_the_change_and_keeps_the_last_response_on_timeout() {
    use acs_swas_open::list_instances::{ListInstancesRequest, ListInstancesResponse};
    use acs_swas_open::{Client, Config, Credentials, WaitError, WaitPolicy};
    let running = |r: &ListInstancesResponse| r.instances.iter().all(|i| i.status.as_deref() == Some("Running"));
    let policy = WaitPolicy::default().interval(std::time::Duration::from_millis(200)).max_wait(std::time::Duration::from_secs(20));

    let (emulator, endpoint) = emu::start(starting_server(800), None).await;
    let client = Client::new(Config::new().endpoint(&endpoint.url).credentials(Credentials::new("testid", "testsecret"))).unwrap();
    let started = std::time::Instant::now();
    let done = client.wait_until(ListInstancesRequest::new("cn-hangzhou"), running, &policy).await.unwrap();
    assert_eq!(done.instances[0].status.as_deref(), Some("Running"));
    assert!(started.elapsed() >= std::time::Duration::from_millis(800));
    assert!(requests(&emulator) >= 2);

    let (_emulator, endpoint) = emu::start(starting_server(60_000), None).await;
    let client = Client::new(Config::new().endpoint(&endpoint.url).credentials(Credentials::new("testid", "testsecret"))).unwrap();
    let short = policy.max_wait(std::time::Duration::from_millis(700));
    match client.wait_until(ListInstancesRequest::new("cn-hangzhou"), running, &short).await {
        Err(WaitError::TimedOut { last: Some(last), polls, .. }) => {
            assert_eq!(last.instances[0].status.as_deref(), Some("Starting"));
            assert!(polls >= 2, "{polls}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn waiter_polls_until_the_state_changes_and_gives_up_at_its_timeout() {
    let (emulator, running) = emu::start(starting_server(1200), None).await;
    let started = std::time::Instant::now();
    let args = [
        "--endpoint",
        &running.url,
        "list-instances",
        "--region-id",
        "cn-hangzhou",
        "--waiter",
        "expr=Instances[?InstanceId=='i-1'].Status | [0]",
        "to=Running",
        "--waiter-interval",
        "0.2",
        "--waiter-timeout",
        "20",
        "--query",
        "Instances[0].Status",
    ];
    let run = swas_open(&args).await;
    assert_eq!((run.code, run.out.trim()), (0, "\"Running\""), "{}", run.err);
    assert!(started.elapsed() >= std::time::Duration::from_millis(1200), "it waited for the change");
    let polls = requests(&emulator);
    assert!((3..=30).contains(&polls), "polled every 0.2 s until the change: {polls}");

    // A change that comes too late: status 1, and the last answer on stdout.
    let (emulator, running) = emu::start(starting_server(60_000), None).await;
    let run = swas_open(&[
        "--endpoint",
        &running.url,
        "--waiter",
        "expr=Instances[0].Status",
        "to=Running",
        "--waiter-timeout",
        "0.7",
        "--waiter-interval",
        "0.2",
        "list-instances",
        "--region-id",
        "cn-hangzhou",
        "--output",
        "compact",
    ])
    .await;
    assert_eq!(run.code, 1, "{}", run.out);
    assert!(run.err.starts_with("error: --waiter: Instances[0].Status did not reach \"Running\" within 0."), "{}", run.err);
    assert!(run.out.contains("\"Status\":\"Starting\""), "the last answer: {}", run.out);
    assert!(requests(&emulator) >= 2);

    // A waiter without `to=`, or with an interval below 0.1 s: usage errors.
    let run = swas_open(&["list-instances", "--region-id", "r", "--waiter", "expr=Status"]).await;
    assert_eq!(run.code, 2);
    assert!(run.err.contains("both are needed"), "{}", run.err);
    let run = swas_open(&["list-instances", "--region-id", "r", "--waiter", "expr=a to=b", "--waiter-interval", "0"]).await;
    assert_eq!(run.code, 2);
    assert!(run.err.contains("from 0.1 to 86400"), "{}", run.err);
}

#[tokio::test]
async fn extra_headers_and_query_parameters_are_signed_and_refused_where_the_signer_owns_them() {
    let attach = ["attach-key-pair", "--region-id", "cn-hangzhou", "--instance-ids", "i-1", "--key-pair-name", "test", "--dry-run"];
    let run = swas_open(&[&attach[..], &["--header", "x-acs-resourcegroupid=rg-1", "--extra-query", "ClientTag=a"]].concat()).await;
    assert_eq!(run.code, 0, "{}", run.err);
    assert!(run.out.contains("x-acs-resourcegroupid: rg-1\r\n") && run.out.contains("?ClientTag=a&"), "{}", run.out);
    assert!(run.out.contains("SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-resourcegroupid;"), "{}", run.out);
    let run = swas_open(&[&attach[..], &["--header", "Authorization=forged"]].concat()).await;
    assert_eq!(run.code, 1);
    assert!(run.err.contains("extra header Authorization: the signer sets it"), "{}", run.err);
    let run = swas_open(&[&attach[..], &["--header", "novalue"]].concat()).await;
    assert_eq!(run.code, 2);
    assert!(run.err.contains("is not NAME=VALUE"), "{}", run.err);
}

#[tokio::test]
async fn completions_and_help_show_the_new_flags() {
    for shell in ["bash", "zsh", "fish"] {
        let run = swas_open(&["completions", shell]).await;
        assert_eq!(run.code, 0, "{}", run.err);
        assert!(
            run.out.contains("list-instances") && run.out.contains("waiter-timeout"),
            "{shell}: {}",
            &run.out[..run.out.len().min(300)]
        );
    }
    let run = swas_open(&["list-instances", "--help"]).await;
    for flag in [
        "--pager",
        "--query",
        "--cli-query",
        "--waiter <expr=JMESPATH to=VALUE>",
        "--waiter-timeout",
        "--waiter-interval",
        "--endpoint-type",
        "cols=",
    ] {
        assert!(run.out.contains(flag), "{flag} is missing from --help:\n{}", run.out);
    }
}
