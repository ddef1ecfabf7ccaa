//! Comparison of two normal forms, and the location of their first difference.
//!
//! Equality is the derived `PartialEq` of [`crate::normal_form`]; nothing here can make
//! two forms equal. When they differ, the printer's token streams are walked in step and
//! the first pair of tokens whose keys differ is the first difference, reported with the
//! source range each token came from.
//!
//! Invariant: [`first_difference`] returns `None` exactly when the forms are equal.

use ruff_text_size::TextRange;

use crate::normal_form::{Binding, ExprKind, StmtKind, Unit};
use crate::print::{NodeRef, Token, render_node, tokens};

/// Where two normal forms first differ: a range and message on each side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FirstDifference {
    pub(crate) reason: String,
    pub(crate) left: (TextRange, String),
    pub(crate) right: (TextRange, String),
}

/// The first difference of `left` and `right`, `None` when they are equal; `root` is
/// where to point on each side when no finer location is found.
pub(crate) fn first_difference(
    left: &Unit,
    right: &Unit,
    root: (TextRange, TextRange),
) -> Option<FirstDifference> {
    if left == right {
        return None;
    }
    let left_tokens = tokens(left);
    let right_tokens = tokens(right);
    for (a, b) in left_tokens.iter().zip(right_tokens.iter()) {
        if a.key != b.key {
            return Some(describe(a, b));
        }
        if let Some(difference) = unparsable(a, b) {
            return Some(difference);
        }
    }
    match (
        left_tokens.get(right_tokens.len()),
        right_tokens.get(left_tokens.len()),
    ) {
        (Some(extra), None) => Some(FirstDifference {
            reason: "the first has more code".into(),
            left: (extra.origin, "not in the second".into()),
            right: (root.1, "ends before this".into()),
        }),
        (None, Some(extra)) => Some(FirstDifference {
            reason: "the second has more code".into(),
            left: (root.0, "ends before this".into()),
            right: (extra.origin, "not in the first".into()),
        }),
        _ => Some(FirstDifference {
            reason: "the normal forms differ".into(),
            left: (root.0, "normalizes differently".into()),
            right: (root.1, "from this".into()),
        }),
    }
}

/// Code that does not parse is never equivalent, not even to itself.
fn unparsable(a: &Token<'_>, b: &Token<'_>) -> Option<FirstDifference> {
    let is_unparsable = |token: &Token<'_>| match token.node {
        NodeRef::Stmt(stmt) => matches!(stmt.kind, StmtKind::Unparsable(_)),
        NodeRef::Expr(expr) => matches!(expr.kind, ExprKind::Unparsable(_)),
        _ => false,
    };
    (is_unparsable(a) || is_unparsable(b)).then(|| FirstDifference {
        reason: "code that does not parse is never equivalent".into(),
        left: (a.origin, "does not parse".into()),
        right: (b.origin, "does not parse".into()),
    })
}

fn describe(a: &Token<'_>, b: &Token<'_>) -> FirstDifference {
    let message = |token: &Token<'_>| match token.node {
        NodeRef::EndOfBlock => "the block ends here".to_string(),
        NodeRef::Structure => token.key.clone(),
        node => format!("normalizes to {}", render_node(node, &token.prefix)),
    };
    let reason = match (a.node, b.node) {
        (NodeRef::Ident(x), NodeRef::Ident(y)) => format!(
            "different names: {} and {}",
            describe_ident(x, &a.prefix),
            describe_ident(y, &b.prefix)
        ),
        (NodeRef::EndOfBlock, _) => format!("the second has {} where the first ends", b.key),
        (_, NodeRef::EndOfBlock) => format!("the first has {} where the second ends", a.key),
        _ => format!("{} in the first, {} in the second", a.key, b.key),
    };
    FirstDifference {
        reason,
        left: (a.origin, message(a)),
        right: (b.origin, message(b)),
    }
}

fn describe_ident(ident: &crate::normal_form::Ident, prefix: &std::rc::Rc<str>) -> String {
    match &ident.binding {
        Binding::Global => format!("the global `{}`", ident.name),
        Binding::ClassMember => format!("the class member `{}`", ident.name),
        Binding::OwnItem => format!("the function's own name `{}`", ident.name),
        Binding::Local {
            keep_name: true, ..
        } => format!("the local `{}`", ident.name),
        Binding::Local { canonical, .. } => {
            format!("the local `{}` (`{prefix}{canonical}`)", ident.name)
        }
    }
}
