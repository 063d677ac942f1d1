//! The functions `callflow serve` routes (`callflow_cli::serve::FUNCTIONS`, each with its
//! path and methods) are the ones `template.yaml` deploys and `cargo lambda watch` routes
//! (`[workspace.metadata.lambda.watch.router]`): the two files are not Rust, so this
//! test is what keeps them from drifting apart.

use std::collections::BTreeSet;

use callflow_cli::serve::FUNCTIONS;

const CARGO_TOML: &str = include_str!("../../../Cargo.toml");
const TEMPLATE: &str = include_str!("../../../template.yaml");

/// `(path, method)` for every function, as `serve` answers them.
fn served() -> BTreeSet<(String, String)> {
    FUNCTIONS
        .iter()
        .flat_map(|f| {
            f.methods
                .iter()
                .map(|m| (f.path.to_owned(), m.as_str().to_owned()))
        })
        .collect()
}

/// `(path, method)` of every API event in the SAM template (`Path:` then `Method:`).
fn deployed() -> BTreeSet<(String, String)> {
    let lines: Vec<&str> = TEMPLATE.lines().map(str::trim).collect();
    lines
        .windows(2)
        .filter_map(|pair| {
            let path = pair[0].strip_prefix("Path: ")?;
            let method = pair[1].strip_prefix("Method: ")?;
            Some((path.to_owned(), method.to_owned()))
        })
        .collect()
}

#[test]
fn template_yaml_deploys_exactly_the_served_paths_and_methods() {
    assert_eq!(deployed(), served());
    for function in FUNCTIONS {
        let binary = function.path.trim_start_matches('/');
        assert!(
            TEMPLATE.contains(&format!("Binary: {binary}")),
            "template.yaml builds no {binary} binary"
        );
    }
}

#[test]
fn cargo_lambda_watch_routes_every_function_at_its_path() {
    let router: BTreeSet<&str> = CARGO_TOML
        .split("[workspace.metadata.lambda.watch.router]")
        .nth(1)
        .expect("a [workspace.metadata.lambda.watch.router] table")
        .lines()
        .map(str::trim)
        .take_while(|line| !line.starts_with('['))
        .filter(|line| line.starts_with('"'))
        .collect();
    let expected: BTreeSet<String> = FUNCTIONS
        .iter()
        .map(|f| format!("\"{}\" = \"{}\"", f.path, f.path.trim_start_matches('/')))
        .collect();
    assert_eq!(
        router,
        expected.iter().map(String::as_str).collect::<BTreeSet<_>>()
    );
}
