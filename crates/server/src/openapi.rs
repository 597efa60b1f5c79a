//! The OpenAPI document's frame: title, description and the bearer scheme. The paths and schemas
//! come from the routes as they are registered (`routes::api`), so the document cannot drift from
//! what the server serves.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "rollcall", description = "Face-recognition attendance check-in. Every /api/v1 \
        route needs a bearer token with a role: admin, staff, kiosk or presidium. /healthz and the \
        web pages' catalogue (/i18n) need none."),
    components(schemas(rollcall_api::Alert)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;
