//! What a catalogue holds, read from its Fluent syntax tree: the message ids and the variables
//! each message uses. Tests use them to keep the catalogues complete and to check that every
//! message a page asks for exists.

use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};

use crate::Lang;

/// The message ids of a catalogue, in file order.
pub fn message_ids(lang: Lang) -> Vec<String> {
    parse(lang)
        .body
        .iter()
        .filter_map(|e| match e {
            Entry::Message(m) => Some(m.id.name.to_string()),
            _ => None,
        })
        .collect()
}

/// The variables (`$name`) message `id` uses, in its value and its attributes, sorted.
pub fn variables(lang: Lang, id: &str) -> Vec<String> {
    let resource = parse(lang);
    let mut found = Vec::new();
    for entry in &resource.body {
        if let Entry::Message(m) = entry {
            if m.id.name == id {
                if let Some(p) = &m.value {
                    pattern(p, &mut found);
                }
                for a in &m.attributes {
                    pattern(&a.value, &mut found);
                }
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

fn parse(lang: Lang) -> fluent_syntax::ast::Resource<&'static str> {
    fluent_syntax::parser::parse(lang.catalogue())
        .unwrap_or_else(|(_, errors)| panic!("{} catalogue: {errors:?}", lang.tag()))
}

fn pattern(p: &Pattern<&str>, found: &mut Vec<String>) {
    for element in &p.elements {
        if let PatternElement::Placeable { expression } = element {
            self::expression(expression, found);
        }
    }
}

fn expression(e: &Expression<&str>, found: &mut Vec<String>) {
    match e {
        Expression::Select { selector, variants } => {
            inline(selector, found);
            for v in variants {
                pattern(&v.value, found);
            }
        }
        Expression::Inline(i) => inline(i, found),
    }
}

fn inline(i: &InlineExpression<&str>, found: &mut Vec<String>) {
    match i {
        InlineExpression::VariableReference { id } => found.push(id.name.to_string()),
        InlineExpression::FunctionReference { arguments, .. } => {
            for a in &arguments.positional {
                inline(a, found);
            }
            for a in &arguments.named {
                inline(&a.value, found);
            }
        }
        InlineExpression::Placeable { expression } => self::expression(expression, found),
        _ => {}
    }
}
