//! The public API of each published crate, as a committed listing (`public-api.txt` next to
//! each crate's `Cargo.toml`), so a change to the public surface shows in review.
//!
//! No nightly is available, so rustdoc's JSON is out: this walks each crate's module tree
//! from `lib.rs` with syn, following `mod` declarations (and `#[path]`), and lists every item
//! reachable from outside the crate: items of public modules, `pub use` re-exports (resolved
//! to the item they name inside the crate, listed under their public path), struct fields,
//! enum variants, trait items, and the `pub` methods of inherent impls of listed types. Trait
//! impls are not listed. Bodies and docs are dropped; `#[cfg(…)]` and `#[doc(hidden)]` are
//! kept as markers.
//!
//! On a difference the test fails with the diff; regenerate with
//! `UPDATE_PUBLIC_API=1 cargo test --workspace --all-features --test public_api`.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use syn::{Attribute, Item, UseTree, Visibility};

/// The published crates: (crate name, directory relative to the workspace root).
const CRATES: &[(&str, &str)] = &[
    ("rest_source", "."),
    ("rest_source_runtime", "runtime"),
    ("rest_source_spec", "spec"),
    ("rest_source_macros", "macros"),
];

#[test]
fn public_api_matches_the_committed_listing() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let update = std::env::var_os("UPDATE_PUBLIC_API").is_some();
    let mut failures = Vec::new();
    for (name, dir) in CRATES {
        let listing = list_crate(name, &root.join(dir).join("src/lib.rs"));
        let file = root.join(dir).join("public-api.txt");
        if update {
            std::fs::write(&file, &listing).unwrap();
            continue;
        }
        let committed = std::fs::read_to_string(&file).unwrap_or_default();
        if committed != listing {
            failures.push(format!(
                "the public API of `{name}` changed ({}):\n{}",
                file.display(),
                diff(&committed, &listing)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n\nIf the change is intended, regenerate the listings with\n  \
         UPDATE_PUBLIC_API=1 cargo test --workspace --all-features --test public_api\n\
         and commit them.",
        failures.join("\n\n")
    );
}

#[test]
fn a_new_pub_fn_shows_in_the_listing() {
    // The walker itself: an added `pub fn` in a public module changes the listing, one in a
    // private module does not, and a `pub use` makes the private one public.
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    std::fs::create_dir_all(dir.join("hidden")).unwrap();
    let lib = dir.join("lib.rs");
    let write = |path: &Path, text: &str| std::fs::write(path, text).unwrap();
    write(&lib, "mod hidden;\npub fn kept() {}\n");
    write(&dir.join("hidden/mod.rs"), "pub fn helper() {}\n");
    let before = list_crate("demo", &lib);
    assert_eq!(before, "fn demo::kept()\n");

    write(
        &lib,
        "mod hidden;\npub fn kept() {}\npub fn added(x: u8) -> u8 { x }\n",
    );
    let added = list_crate("demo", &lib);
    assert!(added.contains("fn demo::added(x: u8) -> u8"), "{added}");

    write(
        &lib,
        "mod hidden;\npub use hidden::helper;\npub fn kept() {}\n",
    );
    let reexported = list_crate("demo", &lib);
    assert!(reexported.contains("fn demo::helper()"), "{reexported}");
}

/// One module of the crate: where its items are and whether it is reachable from outside.
struct Module {
    items: Vec<Item>,
}

/// Every module of one crate, by path (`["config", "build"]`), public or not.
struct Crate {
    name: String,
    modules: HashMap<Vec<String>, Module>,
}

fn list_crate(name: &str, lib: &Path) -> String {
    let mut krate = Crate {
        name: name.to_owned(),
        modules: HashMap::new(),
    };
    let file = parse(lib);
    load(&mut krate, Vec::new(), file.items, lib.parent().unwrap());
    let mut out = BTreeSet::new();
    walk_public(&krate, &[], &[name.to_owned()], &[], &mut out);
    out.into_iter().map(|l| l + "\n").collect()
}

fn parse(path: &Path) -> syn::File {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    syn::parse_file(&text).unwrap_or_else(|e| panic!("cannot parse {}: {e}", path.display()))
}

/// Loads a module and, recursively, its child modules. `dir` is where its children's files
/// are (`src/` for `lib.rs` and `mod.rs` files, `src/foo/` for `src/foo.rs`).
fn load(krate: &mut Crate, path: Vec<String>, items: Vec<Item>, dir: &Path) {
    for item in &items {
        let Item::Mod(m) = item else { continue };
        if is_test_only(&m.attrs) {
            continue;
        }
        let name = m.ident.unraw_string();
        let mut child = path.clone();
        child.push(name.clone());
        if let Some((_, inline)) = &m.content {
            load(krate, child, inline.clone(), &dir.join(&name));
            continue;
        }
        let file: PathBuf = match path_attr(&m.attrs) {
            Some(p) => dir.join(p),
            None if dir.join(format!("{name}.rs")).exists() => dir.join(format!("{name}.rs")),
            None => dir.join(&name).join("mod.rs"),
        };
        let child_dir = if file.file_name().is_some_and(|f| f == "mod.rs") {
            file.parent().unwrap().to_owned()
        } else {
            file.with_extension("")
        };
        let parsed = parse(&file);
        load(krate, child, parsed.items, &child_dir);
    }
    krate.modules.insert(path, Module { items });
}

trait Unraw {
    fn unraw_string(&self) -> String;
}

impl Unraw for syn::Ident {
    fn unraw_string(&self) -> String {
        let s = self.to_string();
        s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
    }
}

fn path_attr(attrs: &[Attribute]) -> Option<String> {
    attrs.iter().find_map(|a| match &a.meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    })
}

fn is_test_only(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && matches!(&a.meta, syn::Meta::List(l) if {
                let t = l.tokens.to_string();
                t == "test" || t == "doctest"
            })
    })
}

fn is_pub(vis: &Visibility) -> bool {
    matches!(vis, Visibility::Public(_))
}

/// `#[cfg(…)]` and `#[doc(hidden)]` of an item, as a prefix of its line.
fn markers(attrs: &[Attribute]) -> String {
    let mut out = String::new();
    for a in attrs {
        let keep = a.path().is_ident("cfg")
            || (a.path().is_ident("doc")
                && matches!(&a.meta, syn::Meta::List(l) if l.tokens.to_string() == "hidden"));
        if keep {
            out.push_str(&squash(&quote::quote!(#a).to_string()));
            out.push(' ');
        }
    }
    out
}

/// Lists the public items of module `module` under the public path `public`. `marks` are the
/// markers of the enclosing modules and re-exports.
fn walk_public(
    krate: &Crate,
    module: &[String],
    public: &[String],
    marks: &[String],
    out: &mut BTreeSet<String>,
) {
    let Some(m) = krate.modules.get(module) else {
        return;
    };
    for item in &m.items {
        match item {
            Item::Mod(sub) if is_pub(&sub.vis) && !is_test_only(&sub.attrs) => {
                let name = sub.ident.unraw_string();
                let mut marks = marks.to_vec();
                marks.push(markers(&sub.attrs));
                let (mut inner, mut path) = (module.to_vec(), public.to_vec());
                inner.push(name.clone());
                path.push(name);
                out.insert(format!("{}mod {}", marks.concat(), path.join("::")));
                walk_public(krate, &inner, &path, &marks, out);
            }
            Item::Use(u) if is_pub(&u.vis) => {
                let mut marks = marks.to_vec();
                marks.push(markers(&u.attrs));
                let mut leaves = Vec::new();
                use_leaves(&u.tree, &mut Vec::new(), &mut leaves);
                for (target, alias) in leaves {
                    reexport(krate, module, public, &marks, &target, alias, out);
                }
            }
            _ => list_item(krate, item, public, marks, None, out),
        }
    }
}

/// The leaves of a use tree: (the path it names, the name it is bound to; `*` for a glob).
fn use_leaves(tree: &UseTree, prefix: &mut Vec<String>, out: &mut Vec<(Vec<String>, String)>) {
    match tree {
        UseTree::Path(p) => {
            prefix.push(p.ident.unraw_string());
            use_leaves(&p.tree, prefix, out);
            prefix.pop();
        }
        UseTree::Name(n) => {
            let name = n.ident.unraw_string();
            let mut path = prefix.clone();
            path.push(name.clone());
            let bound = if name == "self" {
                prefix.last().cloned().unwrap_or_default()
            } else {
                name
            };
            out.push((path, bound));
        }
        UseTree::Rename(r) => {
            let mut path = prefix.clone();
            path.push(r.ident.unraw_string());
            out.push((path, r.rename.unraw_string()));
        }
        UseTree::Glob(_) => out.push((prefix.clone(), "*".to_owned())),
        UseTree::Group(g) => {
            for t in &g.items {
                use_leaves(t, prefix, out);
            }
        }
    }
}

/// What a path names inside the crate: a module, or an item of a module.
enum Target<'a> {
    Module(Vec<String>),
    Item(&'a Item),
}

/// Resolves `path` as written in module `from`; `None` for another crate's item.
fn resolve<'a>(
    krate: &'a Crate,
    from: &[String],
    path: &[String],
    depth: u32,
) -> Option<Target<'a>> {
    if depth > 16 || path.is_empty() {
        return None;
    }
    let (mut module, rest): (Vec<String>, &[String]) = match path[0].as_str() {
        "crate" => (Vec::new(), &path[1..]),
        "self" => (from.to_vec(), &path[1..]),
        "super" => (from[..from.len().saturating_sub(1)].to_vec(), &path[1..]),
        _ => (from.to_vec(), path),
    };
    for (i, seg) in rest.iter().enumerate() {
        let last = i + 1 == rest.len();
        let mut child = module.clone();
        child.push(seg.clone());
        if krate.modules.contains_key(&child) {
            if last {
                return Some(Target::Module(child));
            }
            module = child;
            continue;
        }
        let m = krate.modules.get(&module)?;
        // An item defined here, or a name a `use` brings in.
        for item in &m.items {
            if item_name(item).as_deref() == Some(seg.as_str()) {
                return last.then_some(Target::Item(item));
            }
        }
        for item in &m.items {
            let Item::Use(u) = item else { continue };
            let mut leaves = Vec::new();
            use_leaves(&u.tree, &mut Vec::new(), &mut leaves);
            for (target, bound) in leaves {
                if &bound == seg {
                    let mut full = target;
                    full.extend(rest[i + 1..].iter().cloned());
                    return resolve(krate, &module, &full, depth + 1);
                }
            }
        }
        return None;
    }
    Some(Target::Module(module))
}

fn reexport(
    krate: &Crate,
    module: &[String],
    public: &[String],
    marks: &[String],
    target: &[String],
    alias: String,
    out: &mut BTreeSet<String>,
) {
    if alias == "*" {
        match resolve(krate, module, target, 0) {
            Some(Target::Module(m)) => walk_public(krate, &m, public, marks, out),
            _ => {
                out.insert(format!(
                    "{}use {}::* (glob from {})",
                    marks.concat(),
                    public.join("::"),
                    target.join("::")
                ));
            }
        }
        return;
    }
    let mut path = public.to_vec();
    path.push(alias.clone());
    match resolve(krate, module, target, 0) {
        Some(Target::Module(m)) => {
            out.insert(format!("{}mod {}", marks.concat(), path.join("::")));
            walk_public(krate, &m, &path, marks, out);
        }
        Some(Target::Item(item)) => list_item(krate, item, public, marks, Some(alias), out),
        None => {
            out.insert(format!(
                "{}use {} = {}",
                marks.concat(),
                path.join("::"),
                target.join("::")
            ));
        }
    }
}

fn item_name(item: &Item) -> Option<String> {
    Some(
        match item {
            Item::Const(i) => &i.ident,
            Item::Enum(i) => &i.ident,
            Item::Fn(i) => &i.sig.ident,
            Item::Static(i) => &i.ident,
            Item::Struct(i) => &i.ident,
            Item::Trait(i) => &i.ident,
            Item::Type(i) => &i.ident,
            Item::Union(i) => &i.ident,
            Item::Mod(i) => &i.ident,
            Item::Macro(i) => i.ident.as_ref()?,
            _ => return None,
        }
        .unraw_string(),
    )
}

/// Lists one item (if it is `pub`) under `public::name` (`name`: its own, or the `pub use`
/// alias).
fn list_item(
    krate: &Crate,
    item: &Item,
    public: &[String],
    marks: &[String],
    alias: Option<String>,
    out: &mut BTreeSet<String>,
) {
    let (vis, attrs) = match item {
        Item::Const(i) => (&i.vis, &i.attrs),
        Item::Enum(i) => (&i.vis, &i.attrs),
        Item::Fn(i) => (&i.vis, &i.attrs),
        Item::Static(i) => (&i.vis, &i.attrs),
        Item::Struct(i) => (&i.vis, &i.attrs),
        Item::Trait(i) => (&i.vis, &i.attrs),
        Item::Type(i) => (&i.vis, &i.attrs),
        Item::Union(i) => (&i.vis, &i.attrs),
        Item::Macro(i) if exported_macro(&i.attrs) => {
            let name = i.ident.as_ref().unwrap().to_string();
            out.insert(format!("macro {}::{name}!", krate.name));
            return;
        }
        _ => return,
    };
    if !is_pub(vis) || is_test_only(attrs) {
        return;
    }
    let name = alias.unwrap_or_else(|| item_name(item).unwrap());
    let mut path = public.to_vec();
    path.push(name.clone());
    let path = path.join("::");
    let marks = format!("{}{}", marks.concat(), markers(attrs));
    let line = |kind: &str, sig: String| format!("{marks}{kind} {path}{sig}");
    match item {
        Item::Fn(f) => {
            out.insert(line("fn", fn_sig(&f.sig)));
        }
        Item::Const(c) => {
            let ty = &c.ty;
            out.insert(line("const", format!(": {}", tokens(quote::quote!(#ty)))));
        }
        Item::Static(s) => {
            let ty = &s.ty;
            out.insert(line("static", format!(": {}", tokens(quote::quote!(#ty)))));
        }
        Item::Type(t) => {
            let (g, ty) = (&t.generics, &t.ty);
            out.insert(line(
                "type",
                format!(
                    "{} = {}",
                    tokens(quote::quote!(#g)),
                    tokens(quote::quote!(#ty))
                ),
            ));
        }
        Item::Struct(s) => {
            let g = &s.generics;
            out.insert(line("struct", tokens(quote::quote!(#g))));
            for (i, f) in s.fields.iter().enumerate() {
                if is_pub(&f.vis) {
                    let ty = &f.ty;
                    let field = f.ident.as_ref().map_or(i.to_string(), |i| i.to_string());
                    out.insert(format!(
                        "{marks}field {path}::{field}: {}",
                        tokens(quote::quote!(#ty))
                    ));
                }
            }
            methods(krate, &s.ident.to_string(), &path, &marks, out);
        }
        Item::Union(u) => {
            out.insert(line("union", String::new()));
            methods(krate, &u.ident.to_string(), &path, &marks, out);
        }
        Item::Enum(e) => {
            let g = &e.generics;
            let non_exhaustive = e.attrs.iter().any(|a| a.path().is_ident("non_exhaustive"));
            let kind = if non_exhaustive {
                "#[non_exhaustive] enum"
            } else {
                "enum"
            };
            out.insert(line(kind, tokens(quote::quote!(#g))));
            for v in &e.variants {
                let fields = &v.fields;
                out.insert(format!(
                    "{marks}variant {path}::{}{}",
                    v.ident,
                    tokens(quote::quote!(#fields))
                ));
            }
            methods(krate, &e.ident.to_string(), &path, &marks, out);
        }
        Item::Trait(t) => {
            let (g, bounds) = (&t.generics, &t.supertraits);
            let colon = if bounds.is_empty() { "" } else { ": " };
            out.insert(line(
                "trait",
                format!(
                    "{}{colon}{}",
                    tokens(quote::quote!(#g)),
                    tokens(quote::quote!(#bounds))
                ),
            ));
            for ti in &t.items {
                match ti {
                    syn::TraitItem::Fn(f) => {
                        let provided = if f.default.is_some() {
                            " (provided)"
                        } else {
                            ""
                        };
                        out.insert(format!(
                            "{marks}trait-fn {path}::{}{}{provided}",
                            f.sig.ident,
                            fn_sig(&f.sig)
                        ));
                    }
                    syn::TraitItem::Type(ty) => {
                        out.insert(format!("{marks}trait-type {path}::{}", ty.ident));
                    }
                    syn::TraitItem::Const(c) => {
                        let ty = &c.ty;
                        out.insert(format!(
                            "{marks}trait-const {path}::{}: {}",
                            c.ident,
                            tokens(quote::quote!(#ty))
                        ));
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

fn exported_macro(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("macro_export"))
}

/// The `pub` methods (and associated consts) of every inherent impl of a type named `ty`,
/// anywhere in the crate (types are matched by name).
fn methods(krate: &Crate, ty: &str, path: &str, marks: &str, out: &mut BTreeSet<String>) {
    for module in krate.modules.values() {
        for item in &module.items {
            let Item::Impl(imp) = item else { continue };
            if imp.trait_.is_some() || is_test_only(&imp.attrs) {
                continue;
            }
            let syn::Type::Path(p) = &*imp.self_ty else {
                continue;
            };
            if p.path.segments.last().is_none_or(|s| s.ident != ty) {
                continue;
            }
            let impl_marks = markers(&imp.attrs);
            for ii in &imp.items {
                match ii {
                    syn::ImplItem::Fn(f) if is_pub(&f.vis) => {
                        out.insert(format!(
                            "{marks}{impl_marks}{}method {path}::{}{}",
                            markers(&f.attrs),
                            f.sig.ident,
                            fn_sig(&f.sig)
                        ));
                    }
                    syn::ImplItem::Const(c) if is_pub(&c.vis) => {
                        let ty = &c.ty;
                        out.insert(format!(
                            "{marks}{impl_marks}const {path}::{}: {}",
                            c.ident,
                            tokens(quote::quote!(#ty))
                        ));
                    }
                    _ => {}
                }
            }
        }
    }
}

/// A signature without the name: `<T>(x: u8) -> T where …`, `async`/`const`/`unsafe` first.
fn fn_sig(sig: &syn::Signature) -> String {
    let mut sig = sig.clone();
    for input in sig.inputs.iter_mut() {
        if let syn::FnArg::Typed(t) = input {
            t.attrs.clear();
        }
    }
    let (g, inputs, output, wc) = (
        &sig.generics,
        &sig.inputs,
        &sig.output,
        &sig.generics.where_clause,
    );
    let mut prefix = String::new();
    if sig.constness.is_some() {
        prefix.push_str(" (const)");
    }
    if sig.asyncness.is_some() {
        prefix.push_str(" (async)");
    }
    if matches!(sig.safety, syn::Safety::Unsafe(_)) {
        prefix.push_str(" (unsafe)");
    }
    let wc = wc
        .as_ref()
        .map(|w| format!(" {}", tokens(quote::quote!(#w))))
        .unwrap_or_default();
    format!(
        "{}({}){}{wc}{prefix}",
        tokens(quote::quote!(#g)),
        tokens(quote::quote!(#inputs)),
        match output {
            syn::ReturnType::Default => String::new(),
            syn::ReturnType::Type(_, ty) => format!(" -> {}", tokens(quote::quote!(#ty))),
        }
    )
}

fn tokens(ts: proc_macro2::TokenStream) -> String {
    squash(&ts.to_string())
}

/// `proc_macro2`'s spacing (`& self , x : u8`) tightened to how code is written.
fn squash(s: &str) -> String {
    let mut out = s.to_owned();
    for (from, to) in [
        (" :: ", "::"),
        (":: ", "::"),
        (" ,", ","),
        (" :", ":"),
        ("& ", "&"),
        (" >", ">"),
        ("< ", "<"),
        (" <", "<"),
        ("( ", "("),
        (" )", ")"),
        ("[ ", "["),
        (" ]", "]"),
        ("# ", "#"),
        (" ;", ";"),
        ("' ", "'"),
        ("! (", "!("),
        ("- >", "->"),
        ("= >", "=>"),
    ] {
        while out.contains(from) {
            out = out.replace(from, to);
        }
    }
    // `x: impl Fn(u8)->u8` reads better with spaces around arrows.
    out.replace("->", " -> ")
        .replace("  ", " ")
        .replace("=>", " => ")
}

/// A line diff of two listings: removed lines with `-`, added with `+`.
fn diff(old: &str, new: &str) -> String {
    let old: BTreeSet<&str> = old.lines().collect();
    let new: BTreeSet<&str> = new.lines().collect();
    let mut out = Vec::new();
    for l in old.difference(&new) {
        out.push(format!("- {l}"));
    }
    for l in new.difference(&old) {
        out.push(format!("+ {l}"));
    }
    out.join("\n")
}
