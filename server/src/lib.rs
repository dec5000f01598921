//! The labblogg server: serves the built app and the `/api/v1` sync API over SQLite.

pub mod accounts;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod demo_knowledge;
pub mod demo_year;
pub mod error;
pub mod policy;
pub mod push;
pub mod routes;
pub mod state;
pub mod throttle;
pub mod xlsx;

use axum::extract::{ConnectInfo, DefaultBodyLimit};
use axum::http::{header, HeaderValue, StatusCode};
use axum::Router;
use config::ServeArgs;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use labblogg_shared::sync::MAX_BODY_BYTES;
use state::AppState;
use std::future::Future;
use std::path::Path;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

/// How long a client may take to send a request's headers, from the moment
/// the connection waits for one: so also how long an idle keep-alive
/// connection, or one that never sends a byte, stays open.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest wait for the next part of a request body (a stalled upload).
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest a request may take from its headers to its answer (408 after).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// On SIGTERM or Ctrl-C: how long requests in flight get to finish before
/// the server closes their connections and exits.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The whole HTTP application. `assets` is the built app's folder, if served.
pub fn app(state: AppState, assets: Option<&Path>) -> Router {
    let (api, doc) = api_router();
    let doc = routes::openapi::Document(std::sync::Arc::new(doc.to_json().unwrap_or_default()));
    let api = api
        .fallback(|| async { error::ApiError::NotFound })
        .method_not_allowed_fallback(|| async { error::ApiError::MethodNotAllowed })
        .layer(axum::Extension(doc))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
    let mut app = Router::new().nest("/api/v1", api).merge(routes::health::router());
    if let Some(dir) = assets {
        // Every URL of the app (`/besok`, `/labb/<id>/rapport` …, see
        // frontend/src/nav.rs) gets the app shell, so deep links and reloads
        // open the app on their screen; a missing file (a name with a dot)
        // or an unknown API path stays a 404. The service worker caches the
        // shell; the browser must always revalidate. No redirect of a folder
        // to its index: `GET //icons` was answered `307 Location: //icons/`,
        // which browsers read as the host "icons". `cargo xtask dist` writes
        // the wasm, JS and CSS also as `.br` (quality 11) and `.gz`; those go
        // out in their place to browsers that accept them.
        let shell = ServeFile::new(dir.join("index.html"));
        let app_url = Router::new().fallback(move |req: axum::extract::Request| {
            let shell = shell.clone();
            async move {
                use axum::response::IntoResponse;
                use tower::ServiceExt;
                if !is_app_url(req.uri().path()) {
                    return StatusCode::NOT_FOUND.into_response();
                }
                shell.oneshot(req).await.into_response()
            }
        });
        let files = ServeDir::new(dir)
            .append_index_html_on_directories(false)
            .precompressed_br()
            .precompressed_gzip()
            .fallback(app_url);
        app = app
            .fallback_service(files)
            .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")));
    }
    // Sync pages shrink to about a third; browsers ask for it. Brotli (at quality 4 on the fly)
    // when accepted, else gzip; precompressed files are sent as they are.
    with_security_headers(app.with_state(state)).layer(tower_http::compression::CompressionLayer::new())
}

/// Is `path` one of the app's screens (answered with the app shell)? Not an
/// API path and not a file name (the last segment has no dot).
pub fn is_app_url(path: &str) -> bool {
    let api = path == "/api" || path.starts_with("/api/");
    let file = path.rsplit('/').next().is_some_and(|last| last.contains('.'));
    !api && !file
}

/// The `/api/v1` routes (paths relative to it) and their OpenAPI document,
/// built together: each route is registered through its `#[utoipa::path]`.
pub fn api_router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, doc) = utoipa_axum::router::OpenApiRouter::new()
        .merge(routes::auth::router())
        .merge(routes::sync::router())
        .merge(routes::backlog::router())
        .merge(routes::devices::router())
        .merge(routes::admin::router())
        .merge(routes::summary::router())
        .merge(routes::report::router())
        .merge(routes::history::router())
        .merge(routes::openapi::router())
        .split_for_parts();
    let mut doc = routes::openapi::complete(doc);
    doc.servers = Some(vec![utoipa::openapi::server::Server::new("/api/v1")]);
    (router, doc)
}

/// Headers every response carries: the CSP allows only same-origin scripts plus
/// what WebAssembly needs, and only the app's style sheet (no inline styles:
/// the app sets the few computed styles it has, chart bar widths and colours,
/// through the CSSOM, which CSP allows); no framing, no sniffing, no referrer. There is
/// deliberately no CORS layer: without `Access-Control-Allow-Origin` browsers
/// let only the app's own origin read answers (tests/security.rs checks both).
fn with_security_headers(router: Router) -> Router {
    router
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
                 img-src 'self' data:; connect-src 'self'; manifest-src 'self'; worker-src 'self'; \
                 frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
            ),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        // For browsers that predate CSP's frame-ancestors.
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
}

/// Any origin may call the API (preflights answered here): only with
/// `--allow-cors-for-tests`, for the sync engine's browser tests, whose page
/// is served by the test runner on another origin.
async fn cors_for_tests(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::http::{HeaderValue, Method, StatusCode};
    use axum::response::IntoResponse;
    let mut resp =
        if req.method() == Method::OPTIONS { StatusCode::NO_CONTENT.into_response() } else { next.run(req).await };
    let h = resp.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, DELETE"));
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("authorization, content-type"));
    h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    resp
}

/// Open the store (running migrations) and seed demo data when asked.
pub async fn prepare(args: &ServeArgs) -> anyhow::Result<AppState> {
    let store = db::open(&args.db.database_url).await?;
    if args.demo {
        demo::seed(store.as_ref()).await?;
        if args.demo_year {
            let today = labblogg_shared::calendar::local_date(routes::sync::now_ms() as i64);
            demo_year::seed_year(store.as_ref(), &today).await?;
            demo_knowledge::seed(store.as_ref()).await?;
        }
    }
    accounts::ensure_builtin_questions(store.as_ref(), routes::sync::now_ms()).await?;
    Ok(AppState::new(store))
}

/// Serve on `listener` until `shutdown` completes, then finish in-flight
/// requests (at most [`SHUTDOWN_GRACE`]). Every connection is bounded in
/// time: [`HEADER_TIMEOUT`], [`BODY_TIMEOUT`], [`REQUEST_TIMEOUT`].
/// Handlers see each client's address (sign-in throttling, the audit log).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    assets: Option<&Path>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_router(listener, state.clone(), app(state, assets), shutdown).await
}

async fn serve_router(
    listener: TcpListener,
    state: AppState,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Held while serving, so `labblogg restore` refuses to run under a live server.
    let _claim = match state.store.claim_serving() {
        Ok(Some(claim)) => Some(claim),
        Ok(None) => {
            tracing::warn!("another process is serving this database too");
            None
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not mark the database as served");
            None
        }
    };
    // hyper's HTTP/1 server, not axum::serve, which sets no header-read timeout
    // and waits for every connection at shutdown, however long it takes
    // (docs/SECURITY.md, "Slow and idle clients"). Only HTTP/1.1: browsers speak
    // HTTP/2 only over TLS, which the reverse proxy in front ends.
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(HEADER_TIMEOUT).keep_alive(true);
    let service = tower::ServiceBuilder::new()
        .layer(RequestBodyTimeoutLayer::new(BODY_TIMEOUT))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .service(router);
    let graceful = GracefulShutdown::new();
    let mut connections = tokio::task::JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            Some(_) = connections.join_next() => continue,
            () = &mut shutdown => break,
        };
        let (stream, remote) = match accepted {
            Ok(conn) => conn,
            Err(e) => {
                // Out of file descriptors, say: wait for connections to close
                // (every one times out) rather than spin.
                tracing::error!(error = %e, "accept error");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        // Handlers read the client's address as axum's ConnectInfo.
        let service = tower::ServiceBuilder::new()
            .map_request(move |mut req: axum::http::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo(remote));
                req
            })
            .service(service.clone());
        let conn = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let conn = graceful.watch(conn);
        connections.spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, address = %remote, "connection ended");
            }
        });
    }
    drop(listener);
    // Idle connections close at once; requests in flight get SHUTDOWN_GRACE.
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
        tracing::warn!(
            open = connections.len(),
            "connections still open {} s after shutdown began; closing them",
            SHUTDOWN_GRACE.as_secs()
        );
    }
    connections.abort_all();
    Ok(())
}

/// The binary's `serve`: bind, print where, stop on SIGINT or SIGTERM.
/// `allow_cors_for_tests` (`--allow-cors-for-tests`) is for the browser tests only.
pub async fn serve_until_signal(args: ServeArgs, allow_cors_for_tests: bool) -> anyhow::Result<()> {
    let state = prepare(&args).await?;
    let listener = TcpListener::bind(args.bind).await?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, database = %args.db.database_url, "labblogg listening on http://{addr}");
    if args.demo {
        // The demo passwords are public (README); no other password is ever logged.
        for (name, what) in demo::ACCOUNTS {
            tracing::info!("demo account {name} / {name}: {what}");
        }
    }
    let mut router = app(state.clone(), args.assets.as_deref());
    if allow_cors_for_tests {
        tracing::warn!("--allow-cors-for-tests: any web page may call this server's API; for tests only");
        router = router.layer(axum::middleware::from_fn(cors_for_tests));
    }
    serve_router(listener, state, router, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
