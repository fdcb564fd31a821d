//! The composition root: the routes with the layers every request goes through — the exchange log
//! outermost, then the request pipeline (faults, authentication, quota) — and the body limit
//! around them all. The only module that knows all three, so none of them knows another.

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;

use crate::body::MAX_REQUEST_BODY;
use crate::record::ExchangeLog;
use crate::state::Shared;

/// The sandbox's whole HTTP application; `log` records exchanges when given.
pub(crate) fn app(shared: Arc<Shared>, log: Option<Arc<ExchangeLog>>) -> Router {
    let mut router =
        crate::routes::routes().layer(from_fn_with_state(shared.clone(), crate::pipeline::pipeline));
    if let Some(log) = log {
        // Outermost, so the log sees what the client sees, faults included.
        router = router.layer(from_fn_with_state(log, crate::record::record));
    }
    // Around everything that reads a body, the exchange log included.
    router
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BODY))
        .with_state(shared)
}
