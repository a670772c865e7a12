//! The three descriptions of the API agree: docs/openapi.yaml, the SAM template's HTTP API
//! events (what API Gateway routes to the functions), and the routers the functions serve.

use foof_tests::TestApp;
use serde_json::json;
use std::collections::BTreeSet;

type Routes = BTreeSet<(String, String)>;

fn root(path: &str) -> String {
    std::fs::read_to_string(format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// `paths:` entries (two-space indent) and their methods (four-space indent).
fn openapi_routes() -> Routes {
    let document = root("docs/openapi.yaml");
    let mut routes = Routes::new();
    let mut current: Option<String> = None;
    let mut in_paths = false;
    for line in document.lines() {
        if line.starts_with("paths:") {
            in_paths = true;
            continue;
        }
        if !in_paths {
            continue;
        }
        if let Some(path) = line.strip_prefix("  /").and_then(|rest| rest.strip_suffix(':')) {
            current = Some(format!("/{path}"));
        } else if let (Some(path), Some(method)) =
            (&current, line.strip_prefix("    ").and_then(|l| l.split(':').next()))
            && ["get", "post", "put", "delete"].contains(&method)
        {
            routes.insert((method.to_uppercase(), path.clone()));
        }
    }
    routes
}

/// `Method: X, Path: Y` of every HttpApi event, with `{proxy+}` written as OpenAPI writes it.
fn template_routes() -> Routes {
    root("template.yaml")
        .lines()
        .filter(|line| line.contains("Type: HttpApi"))
        .map(|line| {
            let field = |name: &str| {
                let value = line[line.find(name).unwrap() + name.len()..].trim_start();
                match value.strip_prefix('"') {
                    Some(quoted) => quoted.split('"').next().unwrap().to_owned(),
                    None => value.split([',', '}']).next().unwrap().trim().to_owned(),
                }
            };
            (field("Method:"), field("Path:").replace("{proxy+}", "{proxy}"))
        })
        .collect()
}

#[test]
fn the_template_routes_exactly_what_the_document_describes() {
    let mut documented = openapi_routes();
    assert!(
        documented.remove(&("GET".to_owned(), "/openapi.yaml".to_owned())),
        "the dev server's own document route"
    );
    let mut templated = template_routes();
    assert!(templated.len() >= 32, "parsed {} template routes", templated.len());
    // API Gateway's $default route carries whatever no route matches to search, whose router
    // serves the client's trailing-slash search and the JSON 404s.
    assert!(
        templated.remove(&("ANY".to_owned(), "$default".to_owned())),
        "the template has a $default route"
    );
    assert!(
        documented.remove(&("POST".to_owned(), "/item/search/".to_owned())),
        "the trailing-slash search is documented"
    );
    assert_eq!(documented, templated);
}

#[tokio::test]
async fn every_documented_route_is_served() {
    let app = TestApp::spawn().await;
    for (method, path) in openapi_routes() {
        let concrete = path.replace("{proxy}", "avatar/default.jpg").replace(['{', '}'], "");
        let concrete = concrete
            .replace("/uuid", "/1")
            .replace("/itemid", "/1")
            .replace("/token", "/x");
        let reply = if method == "GET" {
            app.get(&concrete).await
        } else {
            app.post(&concrete, json!({})).await
        };
        assert_ne!(
            (reply.status, &reply.body),
            (404, &json!({"status": "failure", "info": "not found"})),
            "{method} {path} is not served"
        );
    }
    let (status, content_type, document) = app.get_bytes("/openapi.yaml").await;
    assert_eq!((status, content_type.as_str()), (200, "application/yaml"));
    assert!(String::from_utf8(document).unwrap().starts_with("openapi: 3.1"));
}
