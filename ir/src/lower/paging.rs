//! Which operations page, and how: found by the names every Alibaba list operation uses, in
//! any spelling (`PageNumber`, `page_number`), and the shape of its response.

use crate::ident;
use crate::ir::*;

/// A name without case or underscores, for matching spellings.
fn norm(name: &str) -> String {
    name.chars().filter(|c| *c != '_' && *c != '-').flat_map(char::to_lowercase).collect()
}

fn optional_param<'a>(params: &'a [Field], name: &str, integer: bool) -> Option<&'a Field> {
    params.iter().find(|p| {
        norm(&p.wire_name) == name
            && !p.required
            && p.location == Location::Query
            && if integer { matches!(p.ty, Type::I32 | Type::I64) } else { p.ty == Type::String }
    })
}

/// The pagination of an operation whose parameters are `params` and response `response`.
pub(super) fn detect(module: &str, params: &[Field], response: &ResponseShape, types: &[ObjectType]) -> Option<Pagination> {
    let ResponseShape::Typed { fields } = response else { return None };
    let object = |name: &str| types.iter().find(|t| t.name == name);
    // The items: the one list of objects at the top, or the one list inside a top-level object.
    let mut lists = Vec::new();
    for f in fields {
        match &f.ty {
            Type::List(item) if matches!(**item, Type::Object(_)) => {
                lists.push((vec![f.rust_name.clone()], vec![f.wire_name.clone()], (**item).clone()))
            }
            Type::Object(name) => {
                let inner: Vec<&Field> =
                    object(name)?.fields.iter().filter(|g| matches!(&g.ty, Type::List(i) if matches!(**i, Type::Object(_)))).collect();
                if let [g] = inner.as_slice() {
                    let Type::List(item) = &g.ty else { unreachable!() };
                    lists.push((
                        vec![f.rust_name.clone(), g.rust_name.clone()],
                        vec![f.wire_name.clone(), g.wire_name.clone()],
                        (**item).clone(),
                    ));
                }
            }
            _ => {}
        }
    }
    let [(items, items_wire, item)] = <[_; 1]>::try_from(lists).ok()?;
    let size = |names: &[&str]| names.iter().find_map(|n| optional_param(params, n, true)).map(|p| (p.rust_name.clone(), p.ty.clone()));
    let mut wire = PageWire { items: items_wire, ..PageWire::default() };
    let kind = if let (Some(token), Some(next)) =
        (optional_param(params, "nexttoken", false), fields.iter().find(|f| norm(&f.wire_name) == "nexttoken" && f.ty == Type::String))
    {
        wire.next_token = vec![next.wire_name.clone()];
        PageKind::Token { token: token.rust_name.clone(), size: size(&["maxresults", "pagesize"]), next: next.rust_name.clone() }
    } else {
        let number = optional_param(params, "pagenumber", true)?;
        // A count in the response: a top-level integer, or one in a top-level object (`page_info`).
        // Each as Rust field names (with its type) and as wire names.
        let count = |wanted: &str| {
            let is = |f: &Field| norm(&f.wire_name) == wanted && matches!(f.ty, Type::I32 | Type::I64);
            fields.iter().find(|f| is(f)).map(|f| ((vec![f.rust_name.clone()], f.ty.clone()), vec![f.wire_name.clone()])).or_else(|| {
                fields.iter().find_map(|f| {
                    let Type::Object(name) = &f.ty else { return None };
                    let inner = object(name)?.fields.iter().find(|g| is(g))?;
                    Some((
                        (vec![f.rust_name.clone(), inner.rust_name.clone()], inner.ty.clone()),
                        vec![f.wire_name.clone(), inner.wire_name.clone()],
                    ))
                })
            })
        };
        let (total, response_size) = (count("totalcount"), count("pagesize"));
        wire.total = total.as_ref().map(|t| t.1.clone()).unwrap_or_default();
        wire.page_size = response_size.as_ref().map(|t| t.1.clone()).unwrap_or_default();
        PageKind::Numbers {
            number: number.rust_name.clone(),
            number_ty: number.ty.clone(),
            size: size(&["pagesize"]),
            total: total.map(|t| t.0),
            response_size: response_size.map(|t| t.0),
        }
    };
    let base = module.trim_start_matches("r#");
    Some(Pagination {
        kind,
        items,
        wire,
        item,
        pages_method: ident::snake(&format!("{base}_pages")),
        items_method: ident::snake(&format!("{base}_items")),
    })
}
