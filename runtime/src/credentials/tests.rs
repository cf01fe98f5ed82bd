use std::path::Path;
use std::sync::Arc;

use super::*;

fn home_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = home.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    home
}

fn env(vars: &[(&str, &str)], home: &Path) -> Environment {
    let mut all = vec![("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")];
    all.extend_from_slice(vars);
    Environment::new(all, Some(home.into()))
}

fn build(chain: &Chain, env: &Environment) -> Result<Arc<dyn ProvideCredentials>, CredentialsError> {
    chain.build(env, &HttpContext::default())
}

fn resolve(chain: &Chain, env: &Environment) -> Result<Credentials, CredentialsError> {
    let provider = build(chain, env)?;
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(provider.provide())
}

const INI: &str = "# comment\n[default]\ntype = access_key\naccess_key_id = ini-id\naccess_key_secret = ini-secret\n\n[temp]\ntype = sts\naccess_key_id = STS.x\naccess_key_secret = s\nsecurity_token = tok\n";
const CLI: &str = r#"{"current":"work","profiles":[{"name":"work","mode":"AK","access_key_id":"cli-id","access_key_secret":"cli-secret","region_id":"cn-hangzhou"},
    {"name":"sts","mode":"StsToken","access_key_id":"STS.c","access_key_secret":"cs","sts_token":"ct"},{"name":"role","mode":"RamRoleArn"}]}"#;

#[test]
fn explicit_beats_environment_beats_files() {
    let home = home_with(&[(".alibabacloud/credentials.ini", INI), (".aliyun/config.json", CLI)]);
    let env = env(
        &[
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "env-id"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret"),
            ("ALIBABA_CLOUD_SECURITY_TOKEN", "env-token"),
        ],
        home.path(),
    );
    let c = resolve(&Chain::new().with_static(Credentials::new("id", "secret")), &env).unwrap();
    assert_eq!((c.access_key_id(), c.source()), ("id", "static"));
    let c = resolve(&Chain::new(), &env).unwrap();
    assert_eq!(
        (c.access_key_id(), c.access_key_secret().expose(), c.security_token().map(Secret::expose)),
        ("env-id", "env-secret", Some("env-token"))
    );
}

#[test]
fn cli_config_beats_ini_and_profiles_select() {
    let home = home_with(&[(".alibabacloud/credentials.ini", INI), (".aliyun/config.json", CLI)]);
    let c = resolve(&Chain::new(), &env(&[], home.path())).unwrap();
    assert_eq!(c.access_key_id(), "cli-id");
    assert!(c.source().ends_with(".aliyun/config.json profile \"work\""), "{}", c.source());
    // A profile config.json lacks falls through to the INI file.
    let temp = env(&[("ALIBABA_CLOUD_PROFILE", "temp")], home.path());
    let c = resolve(&Chain::new(), &temp).unwrap();
    assert_eq!((c.access_key_id(), c.security_token().map(Secret::expose)), ("STS.x", Some("tok")));
    let c = resolve(&Chain::new().with_profile("sts"), &temp).unwrap();
    assert_eq!((c.access_key_id(), c.security_token().map(Secret::expose)), ("STS.c", Some("ct")));
    // ALIBABA_CLOUD_CLI_PROFILE_DISABLED skips config.json.
    let c = resolve(&Chain::new(), &env(&[("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "TRUE")], home.path())).unwrap();
    assert_eq!(c.access_key_id(), "ini-id");
}

#[test]
fn files_at_other_paths_and_without_extension() {
    let home = home_with(&[(".alibabacloud/credentials", INI), ("elsewhere/cfg.json", CLI)]);
    assert_eq!(resolve(&Chain::new(), &env(&[], home.path())).unwrap().access_key_id(), "ini-id");
    let path = home.path().join("elsewhere/cfg.json");
    let with_config = env(&[("ALIBABA_CLOUD_CONFIG_FILE", path.to_str().unwrap())], home.path());
    assert_eq!(resolve(&Chain::new(), &with_config).unwrap().access_key_id(), "cli-id");
}

#[test]
fn malformed_sources_name_the_file_and_problem() {
    let home = home_with(&[(".aliyun/config.json", "{\"profiles\": [")]);
    let err = build(&Chain::new(), &env(&[], home.path())).unwrap_err().to_string();
    assert!(err.contains(".aliyun/config.json: not a valid aliyun CLI config: EOF while parsing"), "{err}");

    let home = home_with(&[(".aliyun/config.json", CLI)]);
    let err = build(&Chain::new(), &env(&[("ALIBABA_CLOUD_PROFILE", "role")], home.path())).unwrap_err().to_string();
    assert!(err.ends_with("config.json: profile \"role\" has no access_key_id"), "{err}");

    let home = home_with(&[(".alibabacloud/credentials.ini", "[default]\naccess_key_id = x\nsecret-without-equals\n")]);
    let err = build(&Chain::new(), &env(&[], home.path())).unwrap_err().to_string();
    assert!(err.ends_with("credentials.ini: line 3: expected `key = value`"), "{err}");

    let home = home_with(&[(".alibabacloud/credentials.ini", "[default]\naccess_key_id = x\n")]);
    let err = build(&Chain::new(), &env(&[], home.path())).unwrap_err().to_string();
    assert!(err.ends_with("credentials.ini: profile [default] has no access_key_secret"), "{err}");

    let home = home_with(&[(
        ".aliyun/config.json",
        r#"{"profiles":[{"name":"a","mode":"ChainableRamRoleArn","source_profile":"b","ram_role_arn":"acs:ram::1:role/r"},{"name":"b","mode":"ChainableRamRoleArn","source_profile":"a","ram_role_arn":"acs:ram::1:role/r"}]}"#,
    )]);
    let err = build(&Chain::new().with_profile("a"), &env(&[], home.path())).unwrap_err().to_string();
    assert!(err.ends_with("source_profile chain a → b → a loops or is too long"), "{err}");

    assert!(matches!(
        build(&Chain::new(), &env(&[("ALIBABA_CLOUD_ACCESS_KEY_ID", "x")], home.path())),
        Err(CredentialsError::IncompleteEnvironment(_))
    ));
}

#[test]
fn control_characters_in_keys_are_a_configuration_error() {
    let home = tempfile::tempdir().unwrap();
    let vars = [("ALIBABA_CLOUD_ACCESS_KEY_ID", "id"), ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "sec\r\nret")];
    let err = build(&Chain::new(), &env(&vars, home.path())).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid credentials configuration: the AccessKeySecret from environment contains a control character (such as CR or LF)"
    );
    let err = build(&Chain::new().with_static(Credentials::new("i\nd", "s")), &env(&[], home.path())).unwrap_err();
    assert!(matches!(err, CredentialsError::Invalid(_)));
}

#[test]
fn every_config_json_mode_builds_its_provider() {
    let token = tempfile::NamedTempFile::new().unwrap();
    let cli = serde_json::json!({"current": "ak", "profiles": [
        {"name": "ak", "mode": "AK", "access_key_id": "a", "access_key_secret": "s"},
        {"name": "sts", "mode": "StsToken", "access_key_id": "a", "access_key_secret": "s", "sts_token": "t"},
        {"name": "role", "mode": "RamRoleArn", "access_key_id": "a", "access_key_secret": "s", "ram_role_arn": "acs:ram::1:role/r",
         "ram_session_name": "sess", "expired_seconds": 900, "sts_region": "cn-hangzhou", "enable_vpc": true},
        {"name": "chain", "mode": "ChainableRamRoleArn", "source_profile": "sts", "ram_role_arn": "acs:ram::1:role/r"},
        {"name": "ecs", "mode": "EcsRamRole", "ram_role_name": "my-role"},
        {"name": "ecs-role", "mode": "RamRoleArnWithRoleName", "ram_role_name": "my-role", "ram_role_arn": "acs:ram::1:role/r"},
        {"name": "oidc", "mode": "OIDC", "ram_role_arn": "acs:ram::1:role/r", "oidc_provider_arn": "acs:ram::1:oidc-provider/p",
         "oidc_token_file": token.path()},
        {"name": "uri", "mode": "CredentialsURI", "credentials_uri": "http://127.0.0.1:1/creds"},
        {"name": "sso", "mode": "CloudSSO"},
        {"name": "short", "mode": "RamRoleArn", "access_key_id": "a", "access_key_secret": "s", "ram_role_arn": "acs:ram::1:role/r", "expired_seconds": 60}
    ]});
    let home = home_with(&[(".aliyun/config.json", &cli.to_string())]);
    let e = env(&[], home.path());
    for (profile, shown) in [
        ("ak", "Credentials"),
        ("sts", "security_token: Some(\"** redacted **\")"),
        ("role", "RamRoleArn"),
        ("role", "https://sts-vpc.cn-hangzhou.aliyuncs.com"),
        ("role", "duration: 900"),
        ("chain", "RamRoleArn { source: Credentials"),
        ("ecs", "EcsRamRole { role_name: Some(\"my-role\")"),
        ("ecs-role", "RamRoleArn { source: Cached { provider: EcsRamRole"),
        ("oidc", "OidcRoleArn"),
        ("uri", "CredentialsUri"),
    ] {
        let provider = build(&Chain::new().with_profile(profile), &e).unwrap();
        let debug = format!("{provider:?}");
        assert!(debug.contains(shown), "{profile}: {debug}");
        assert!(!debug.contains("\"s\""), "{profile}: a secret shows in {debug}");
    }
    let err = build(&Chain::new().with_profile("sso"), &e).unwrap_err().to_string();
    assert!(err.contains("profile \"sso\": mode \"CloudSSO\" is an interactive or external flow"), "{err}");
    let err = build(&Chain::new().with_profile("short"), &e).unwrap_err().to_string();
    assert!(err.contains("duration 60 s is outside 900…43200 s"), "{err}");
    // In the chain, an unsupported mode is a step that is skipped, with its reason.
    let e = env(&[("ALIBABA_CLOUD_PROFILE", "sso")], home.path());
    let err = build(&Chain::new(), &e).unwrap_err().to_string();
    assert!(err.contains("profile \"sso\": mode \"CloudSSO\""), "{err}");
}

#[test]
fn every_ini_type_builds_its_provider() {
    let ini = "[ak]\naccess_key_id = a\naccess_key_secret = s\n\
        [role]\ntype = ram_role_arn\naccess_key_id = a\naccess_key_secret = s\nrole_arn = acs:ram::1:role/r\nrole_session_name = x1\n\
        [oidc]\ntype = oidc_role_arn\nrole_arn = acs:ram::1:role/r\noidc_provider_arn = acs:ram::1:oidc-provider/p\noidc_token_file_path = /t\n\
        [ecs]\ntype = ecs_ram_role\nrole_name = my-role\n\
        [rsa]\ntype = rsa_key_pair\npublic_key_id = p\nprivate_key_file = /k\n";
    let home = home_with(&[(".alibabacloud/credentials.ini", ini)]);
    let e = env(&[], home.path());
    for (profile, shown) in [
        ("ak", "Credentials"),
        ("role", "RamRoleArn"),
        ("role", "x1"),
        ("oidc", "OidcRoleArn"),
        ("ecs", "EcsRamRole { role_name: Some(\"my-role\")"),
    ] {
        let debug = format!("{:?}", build(&Chain::new().with_profile(profile), &e).unwrap());
        assert!(debug.contains(shown), "{profile}: {debug}");
    }
    let err = build(&Chain::new().with_profile("rsa"), &e).unwrap_err().to_string();
    assert!(err.contains("retired STS GenerateSessionAccessKey"), "{err}");
}

#[test]
fn nothing_configured_lists_every_provider_and_why() {
    let home = tempfile::tempdir().unwrap();
    let err = build(&Chain::new(), &env(&[], home.path())).unwrap_err().to_string();
    for step in [
        "no credentials found; tried: environment: ALIBABA_CLOUD_ACCESS_KEY_ID is not set",
        "; oidc_role_arn: ALIBABA_CLOUD_ROLE_ARN is not set; cli_profile: ",
        ".aliyun/config.json does not exist; profile: ",
        ".alibabacloud/credentials.ini does not exist; ecs_ram_role: disabled by ALIBABA_CLOUD_ECS_METADATA_DISABLED",
        "; credentials_uri: ALIBABA_CLOUD_CREDENTIALS_URI is not set",
    ] {
        assert!(err.contains(step), "{step:?} not in {err}");
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_or_a_symlink_loop_where_a_file_belongs_is_called_what_it_is() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".aliyun")).unwrap();
    std::fs::create_dir_all(home.path().join(".alibabacloud")).unwrap();
    let fifo = home.path().join(".aliyun/config.json");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let looped = home.path().join(".alibabacloud/credentials.ini");
    std::os::unix::fs::symlink(&looped, &looped).unwrap();
    let err = build(&Chain::new(), &env(&[], home.path())).unwrap_err().to_string();
    assert!(err.contains(".aliyun/config.json is not a regular file (a FIFO, a device or a folder); profile: "), "{err}");
    assert!(err.contains(".alibabacloud/credentials.ini cannot be read: Too many levels of symbolic links"), "{err}");
    // Named by a variable: an error of its own, saying the same.
    let named = fifo.display().to_string();
    let err = build(&Chain::new(), &env(&[("ALIBABA_CLOUD_CONFIG_FILE", named.as_str())], home.path())).unwrap_err().to_string();
    assert!(err.contains("ALIBABA_CLOUD_CONFIG_FILE names a file that is not a regular file"), "{err}");
}

#[test]
fn secrets_are_redacted() {
    let c = Credentials::new("LTAIid", "very-secret").with_security_token("token-secret");
    let shown = format!("{c:?}");
    assert!(shown.contains("LTAIid"));
    assert!(!shown.contains("very-secret") && !shown.contains("token-secret"), "{shown}");
    let home = home_with(&[(".alibabacloud/credentials.ini", "[default]\ntype = weird\naccess_key_secret = hush\n")]);
    let err = build(&Chain::new(), &env(&[], home.path())).unwrap_err();
    assert!(!format!("{err} {err:?}").contains("hush"));
}

#[test]
fn printable_strips_control_sequences() {
    assert_eq!(printable("a\u{1b}[2Jb\r\nc\u{7}", 100), "a [2Jb  c ");
    assert_eq!(printable("abcdef", 3), "abc…");
}

#[test]
fn small_files_are_regular_bounded_and_never_block() {
    use super::read_small_file;
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "eyJ.token").unwrap();
    assert_eq!(read_small_file(&token, 64).unwrap(), "eyJ.token");
    // A FIFO would block at open, and /dev/zero never ends: both refused before opening.
    let fifo = dir.path().join("fifo");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    for path in [fifo.as_path(), std::path::Path::new("/dev/zero"), dir.path()] {
        assert_eq!(read_small_file(path, 64).unwrap_err().to_string(), "not a regular file", "{}", path.display());
    }
    let big = dir.path().join("big");
    std::fs::File::create(&big).unwrap().set_len(3 << 30).unwrap();
    let err = read_small_file(&big, super::MAX_TOKEN_FILE_BYTES).unwrap_err().to_string();
    assert_eq!(err, "3221225472 bytes, more than the limit of 65536");
    std::fs::write(&token, [0xff, 0xfe]).unwrap();
    assert_eq!(read_small_file(&token, 64).unwrap_err().to_string(), "not UTF-8");
}

#[test]
fn a_password_in_a_url_is_never_shown() {
    use super::without_userinfo;
    assert_eq!(without_userinfo("http://user:PW@host:8080/p?q=1"), "http://***@host:8080/p?q=1");
    assert_eq!(without_userinfo("user:PW@host"), "***@host");
    assert_eq!(without_userinfo("https://host/a@b"), "https://host/a@b", "an @ in the path is not user information");
    let err = crate::endpoint::resolve(
        Some("http://user:PW@127.0.0.1:1"),
        None,
        None,
        &crate::endpoint::Endpoints { table: &[], rule: crate::endpoint::EndpointRule::central("p") },
    )
    .unwrap_err()
    .to_string();
    assert!(!err.contains("PW") && err.contains("***@127.0.0.1:1"), "{err}");
    let err = super::CredentialsUri::new("http://user:PW@127.0.0.1:1/creds").unwrap_err().to_string();
    assert!(!err.contains("PW") && err.contains("***@127.0.0.1:1"), "{err}");
}

#[test]
fn a_variable_that_is_not_utf8_is_an_error_naming_it() {
    let env = Environment::new([("ALIBABA_CLOUD_ACCESS_KEY_ID", "id"), ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "s")], None);
    assert!(env.check_utf8().is_ok());
    for name in ["ALIBABA_CLOUD_SECURITY_TOKEN", "https_proxy", "HTTP_PROXY"] {
        let err = env.clone().with_non_utf8(name).check_utf8().unwrap_err().to_string();
        assert_eq!(
            err,
            format!("invalid credentials configuration: the environment variable {name} is not UTF-8; set it to UTF-8 text or unset it")
        );
    }
    assert!(env.with_non_utf8("LANG").check_utf8().is_ok(), "a variable this client does not read is not its business");
}
