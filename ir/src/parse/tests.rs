use super::*;

#[test]
fn tolerates_the_formats_quirks() {
    let doc = parse(
        r#"{"info":{"style":"RPC","product":"P","version":"v"},"components":{"schemas":[]},
            "apis":{"Op":{"unknownKey":1,"parameters":[{"name":"N","in":"query",
            "schema":{"type":"integer","maximum":"36","minimum":1,"example":"2","required":"true","maxItems":5}}],
            "responseDemo":""}}}"#,
    )
    .unwrap();
    let schema = &doc.apis["Op"].parameters[0].schema;
    assert_eq!(schema.maximum.as_deref(), Some("36"));
    assert_eq!(schema.minimum.as_deref(), Some("1"));
    assert_eq!(schema.max_items.as_deref(), Some("5"));
    assert_eq!(schema.required, Some(true));
    assert!(decode_response_demo("").unwrap().is_empty());
}

#[test]
fn a_bad_operation_costs_only_itself() {
    let doc = parse(
        r#"{"info":{"style":"RPC","product":"P","version":"v"},
            "components":{"schemas":{"Good":{"type":"string"},"Bad":{"type":["x"]}}},
            "apis":{"Op":{"parameters":[{"name":"N","schema":{"maximum":[1]}}]},"Fine":{},"Twice":{},"Twice":{}},
            "endpoints":[{"regionId":"r","endpoint":"h"},{"regionId":1}]}"#,
    )
    .unwrap();
    let err = &doc.broken["Op"];
    assert_eq!(err.path, "apis.Op.parameters[0].schema.maximum");
    assert!(err.message.contains("expected a scalar"), "{}", err.message);
    assert_eq!(doc.broken["Twice"].message, "the operation is defined twice");
    assert_eq!(doc.apis.keys().collect::<Vec<_>>(), ["Fine"]);
    assert_eq!(doc.components.schemas.keys().collect::<Vec<_>>(), ["Good"]);
    assert_eq!(doc.components.broken["Bad"].path, "components.schemas.Bad.type");
    assert_eq!(doc.endpoints.len(), 1);
    assert!(doc.warnings[0].starts_with("at endpoints[1]"), "{:?}", doc.warnings);
}

#[test]
fn a_number_no_f64_holds_is_kept_as_text() {
    let doc = parse(
        "{\"info\":{\"style\":\"RPC\",\"product\":\"P\",\"version\":\"v\"},\"apis\":{\"Op\":{\"parameters\":[\n  {\"name\":\"N\",\"schema\":{\"maximum\":1e400,\"minimum\":-2e999}}]}}}",
    )
    .unwrap();
    let schema = &doc.apis["Op"].parameters[0].schema;
    assert_eq!((schema.maximum.as_deref(), schema.minimum.as_deref()), (Some("1e400"), Some("-2e999")));
}

#[test]
fn only_the_file_as_a_whole_is_refused() {
    assert!(parse("{").is_err());
    assert!(parse(r#"{"apis":{}}"#).unwrap_err().message.starts_with("missing field `info`"));
    assert_eq!(parse(r#"{"info":{"style":"RPC","product":"P","version":"v"},"apis":[1]}"#).unwrap_err().path, "apis");
    assert!(parse(r#"{"info":{"style":"RPC","product":"P","version":"v"},"apis":[]}"#).unwrap().apis.is_empty());
}
