//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of `/api/v1`,
//! generated from the wire types (`labblogg_shared`, feature `openapi`) and
//! the handlers' `#[utoipa::path]`s, which register the routes too
//! (`utoipa_axum::routes!`): a route cannot be served without being described.
//! Kept true by `server/tests/openapi.rs` and by Schemathesis
//! (`cargo xtask schemathesis`, docs/SECURITY.md).

use crate::state::AppState;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Extension;
use labblogg_shared::error::ApiErrorBody;
use std::sync::Arc;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi, RefOr, ResponseBuilder};
use utoipa::{PartialSchema, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(openapi_json))
}

/// The document, serialized once when the app is built.
#[derive(Clone)]
pub struct Document(pub Arc<String>);

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "meta", security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document of /api/v1", content_type = "application/json", body = Object)))]
async fn openapi_json(Extension(doc): Extension<Document>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], doc.0.as_str().to_owned())
}

/// The error answers every operation may give (`error.rs`, one JSON shape),
/// the bearer scheme, and the document's title: what the handlers'
/// annotations leave out so they stay short.
pub fn complete(mut doc: OpenApi) -> OpenApi {
    doc.info.title = "labblogg /api/v1".into();
    doc.info.description = Some(
        "The labblogg sync and administration API. Every answer other than 2xx is an ApiErrorBody \
         with a Swedish message. See docs/SYNC.md and docs/SECURITY.md."
            .into(),
    );
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    let mut schemas = vec![(ApiErrorBody::name().into_owned(), ApiErrorBody::schema())];
    ApiErrorBody::schemas(&mut schemas);
    components.schemas.extend(schemas);
    let error = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("ApiErrorBody"))))
                    .build(),
            )
            .build()
    };
    let errors = [
        ("400", "Malformed or refused input; the message says why"),
        ("401", "No, an unknown, revoked or expired token, or a wrong password"),
        ("403", "The role does not allow it"),
        ("404", "No such thing (or not the caller's)"),
        ("405", "Method not allowed on this path"),
        ("408", "The request took too long"),
        ("409", "Conflict: a taken username, or another protocol version"),
        ("413", "The body is over 2 MiB"),
        ("429", "Too many failed sign-ins; see Retry-After"),
        ("500", "The server failed; nothing was half-done"),
    ];
    let bearer = SecurityRequirement::new::<&str, [&str; 0], &str>("bearer", []);
    for item in doc.paths.paths.values_mut() {
        let operations: [&mut Option<Operation>; 4] = [&mut item.get, &mut item.post, &mut item.put, &mut item.delete];
        for op in operations.into_iter().flatten() {
            for (status, description) in errors {
                op.responses.responses.entry(status.into()).or_insert_with(|| RefOr::T(error(description)));
            }
            // `security(())` in an annotation marks the few open operations.
            if op.security.is_none() {
                op.security = Some(vec![bearer.clone()]);
            }
        }
    }
    doc
}
