//! Tests of lowering.

use super::*;

fn lower_text(text: &str) -> Service {
    lower(&model::parse(text).unwrap(), None, &[]).unwrap().0
}

#[test]
fn a_component_used_twice_is_one_type_with_its_constraints() {
    let service = lower_text(
        r##"{"info":{"style":"RPC","product":"P","version":"v"},
            "components":{"schemas":{"Tag":{"type":"object","properties":{
                "Key":{"type":"string","required":true,"maxLength":"128"},"Value":{"type":"string"}}}}},
            "apis":{"Op":{"parameters":[
                {"name":"Tag","in":"query","style":"repeatList","schema":{"type":"array","maxItems":20,"items":{"$ref":"#/components/schemas/Tag"}}},
                {"name":"Extra","in":"query","style":"flat","schema":{"$ref":"#/components/schemas/Tag"}},
                {"name":"Count","in":"query","schema":{"type":"integer","format":"int32","minimum":"1","maximum":"36","enum":["1","12"]}}]}}}"##,
    );
    let op = &service.operations[0];
    assert_eq!(service.types.len(), 1, "one Tag type");
    let tag = &service.types[0];
    assert_eq!(tag.name, "Tag");
    assert_eq!(op.params[0].ty, Type::List(Box::new(Type::Object("Tag".into()))));
    assert_eq!(op.params[1].ty, Type::Object("Tag".into()));
    assert_eq!(op.params[0].constraints.max_items, Some(20));
    assert!(tag.fields[0].required);
    assert_eq!(tag.fields[0].constraints.max_length, Some(128));
    let count = &op.params[2];
    assert_eq!(count.ty, Type::I32);
    assert_eq!(count.constraints.minimum, Some((Number::Int(1), false)));
    assert_eq!(count.constraints.maximum, Some((Number::Int(36), false)));
    assert_eq!(count.constraints.allowed_integers, [1, 12]);
}

#[test]
fn methods_styles_and_names_are_decided_here() {
    let service = lower_text(
        r#"{"info":{"style":"RPC","product":"P","version":"v"},
            "apis":{"ListThings":{"methods":["get"],"schemes":["https"],"parameters":[
                {"name":"type","in":"query","schema":{"type":"string"}},
                {"name":"Ids","in":"query","style":"simple","schema":{"type":"array","items":{"type":"string"}}},
                {"name":"Params","in":"formData","style":"json","schema":{"type":"object"}},
                {"name":"ClientToken","in":"query","schema":{"type":"string"}}]}}}"#,
    );
    let op = &service.operations[0];
    assert_eq!((op.method, op.https_only, op.module.as_str()), (HttpMethod::Get, true, "list_things"));
    assert_eq!(op.params[0].rust_name, "r#type");
    assert_eq!((op.params[1].style, op.params[2].style, op.params[2].location), (Style::Simple, Style::Json, Location::Form));
    assert_eq!(op.params[2].ty, Type::Map(Box::new(Type::Any)), "a free-form object is a map");
    assert_eq!(op.idempotency_token, Some(3));
}
