//! The OpenAPI document at `/api/v1/openapi.json` describes exactly what the
//! server serves: every documented operation is routed (and guarded), every
//! other method of a documented path is 405, and every path the app's API
//! client calls is documented. Schemathesis checks the answers against it
//! from outside (`cargo xtask schemathesis`).

mod common;

use common::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::collections::BTreeSet;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

async fn document(server: &TestServer) -> Value {
    let resp = server.http.get(server.url("/api/v1/openapi.json")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    resp.json().await.unwrap()
}

/// A documented path with its parameters filled in.
fn concrete(path: &str) -> String {
    path.replace("{id}", &uuid::Uuid::now_v7().to_string())
}

#[tokio::test]
async fn the_document_lists_every_route_and_only_routes() {
    let server = TestServer::start().await;
    let doc = document(&server).await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["servers"][0]["url"], "/api/v1");
    let paths = doc["paths"].as_object().expect("paths");
    let mut documented = BTreeSet::new();
    for (path, item) in paths {
        for method in METHODS {
            let url = server.url(&format!("/api/v1{}", concrete(path)));
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let resp = server.http.request(m, &url).send().await.unwrap();
            let status = resp.status();
            if let Some(op) = item.get(method) {
                documented.insert(format!("{} {path}", method.to_uppercase()));
                // Routed: without a token a guarded operation is 401 before anything else;
                // the open ones (sign-in, this document) answer on their own.
                let open = op["security"]
                    .as_array()
                    .is_some_and(|s| s.iter().all(|r| r.as_object().is_some_and(|o| o.is_empty())));
                if open {
                    assert!(matches!(status.as_u16(), 200 | 400), "{method} {path}: {status}");
                } else {
                    assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path} is not routed or not guarded");
                }
                for code in ["400", "401", "500"] {
                    assert!(op["responses"].get(code).is_some(), "{method} {path} does not document {code}");
                }
            } else {
                // Not documented: not served either.
                assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path} is served but not documented");
            }
        }
    }
    println!("{} operations: {documented:?}", documented.len());
    // Everything the app's API client calls is documented.
    let client = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../frontend/src/api.rs")).unwrap();
    for call in client.split("\"/api/v1").skip(1) {
        let path = call.split(['"', '?']).next().unwrap();
        // The client's paths are format strings: `{id}` as in the document.
        assert!(paths.contains_key(path), "the app calls /api/v1{path}, which is not documented");
    }
    // Paths outside the document are not served.
    for path in ["/api/v1/nothing", "/api/v1/admin", "/api/v1/sync/extra", "/api/v1/users"] {
        let resp = server.http.get(server.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
    }
    // The wire types are there, from the shared crate.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in ["SyncRequest", "SyncResponse", "Change", "ServerRecord", "LoginRequest", "ApiErrorBody", "AuditEntry"]
    {
        assert!(schemas.contains_key(name), "schema {name} missing");
    }
    let login = &schemas["LoginRequest"];
    assert!(login["required"].as_array().unwrap().iter().any(|r| r == "device_id"), "device_id is required: {login}");
}
