//! Which arguments of a call may land in one parameter of a project function: shared by
//! the walks that follow a value into a callee (objects handed to outside code, thread
//! locks passed around).

use awaitify_callgraph::CallSite;
use awaitify_db::File;
use awaitify_hir::hir::{Expr, ExprId, FileHir, FunctionId, Params};
use awaitify_semantic::symbols::FirstParameter;
use awaitify_semantic::{Resolution, Resolver, Target};

/// How a call may pass the parameter at `position` (source order) of a function with
/// `params`: by position, by keyword, or both; `None` for `*args` and `**kwargs`.
pub(crate) fn passing(params: &Params, position: usize) -> Option<(bool, bool)> {
    let positional = params.posonly.len() + params.args.len();
    let keyword_only = positional + usize::from(params.vararg.is_some());
    if position < params.posonly.len() {
        Some((true, false))
    } else if position < positional {
        Some((true, true))
    } else if position >= keyword_only && position < keyword_only + params.kwonly.len() {
        Some((false, true))
    } else {
        None
    }
}

/// The arguments that the call `site` (in `caller`) may pass for the parameter at
/// `position` (in source order) of `function` (in `callee`): the keyword argument of its
/// name, and the positional argument at its position, counted once for each way the call
/// may bind the function's first parameter itself (see [`bound_arguments`]). None for
/// `*args` and `**kwargs`, whose contents are not followed, nor for a position after a
/// starred argument, which is unknown.
///
/// `bound` keeps how many leading parameters the call binds itself, found the first
/// time a position needs it: a walk that asks about several parameters of one call
/// passes the same `bound` (a fresh `None` for each call).
pub(crate) fn arguments_for(
    resolver: &mut Resolver,
    (callee_file, callee_hir, function): (File, &FileHir, FunctionId),
    position: usize,
    (caller_file, caller_hir): (File, &FileHir),
    (site, bound): (&CallSite, &mut Option<&'static [usize]>),
) -> impl Iterator<Item = ExprId> + use<> {
    let mut found: [Option<ExprId>; 3] = [None; 3];
    let params = &callee_hir.functions[function].params;
    let Some(param) = params.iter().nth(position) else {
        return found.into_iter().flatten();
    };
    let body = caller_hir.body(site.body);
    let Expr::Call {
        func,
        args,
        keywords,
    } = &body.exprs[site.expr]
    else {
        return found.into_iter().flatten();
    };
    let Some((by_position, by_keyword)) = passing(params, position) else {
        return found.into_iter().flatten();
    };
    if by_keyword {
        found[0] = keywords
            .iter()
            .find(|keyword| keyword.arg.as_ref() == Some(&param.name))
            .map(|keyword| keyword.value);
    }
    // A call with fewer positional arguments leaves the parameter to a keyword however
    // it binds: the receiver's resolution is skipped (calls are looked at by the
    // hundred thousand).
    if !by_position || position > args.len() {
        return found.into_iter().flatten();
    }
    let offsets = *bound.get_or_insert_with(|| {
        let first = resolver
            .symbols(callee_file)
            .functions
            .get(function)
            .and_then(|summary| summary.first_parameter())
            .map(|(_, first)| first);
        bound_arguments(resolver, (caller_file, caller_hir), site, *func, first)
    });
    for (slot, offset) in offsets.iter().enumerate() {
        let Some(index) = position.checked_sub(*offset) else {
            continue;
        };
        // After a `*args`, positions are unknown.
        if args
            .iter()
            .take(index + 1)
            .any(|arg| matches!(body.exprs[*arg], Expr::Starred { .. }))
        {
            continue;
        }
        found[1 + slot] = args.get(index).copied();
    }
    found.into_iter().flatten()
}

/// How many leading parameters a call binds before its own arguments: the instance
/// or class of a method called through one, or a constructor's; both counts when
/// the call does not tell (a method called by a bare name, which may be bound).
pub(crate) fn bound_arguments(
    resolver: &mut Resolver,
    (file, hir): (File, &FileHir),
    site: &CallSite,
    func: ExprId,
    first: Option<FirstParameter>,
) -> &'static [usize] {
    let constructs = |target: &Target| matches!(target, Target::Class { .. });
    match first {
        None => &[0],
        Some(FirstParameter::Class) => &[1],
        Some(FirstParameter::Instance) => {
            let constructor = match &site.callee {
                Resolution::Definite(target) => constructs(target),
                Resolution::Ambiguous(candidates) => candidates
                    .iter()
                    .any(|candidate| candidate.target.as_ref().is_ok_and(constructs)),
                Resolution::Unresolved(_) => false,
            };
            if constructor {
                return &[1];
            }
            match &hir.body(site.body).exprs[func] {
                // `Class.method(obj, ...)` passes the instance itself.
                Expr::Attribute { value, .. } => {
                    match resolver.resolve_expr(file, site.body, *value) {
                        Resolution::Definite(Target::Class { .. }) => &[0],
                        _ => &[1],
                    }
                }
                _ => &[0, 1],
            }
        }
    }
}
