//! Partner Hub pages.

mod api_tokens;
mod audit;
mod billing;
mod branding;
mod customer_bulk;
mod customer_edit;
mod customer_list;
pub(crate) mod customer_wizard;
mod customers;
mod indirect;
mod jobs;
mod mailbox;
mod overview;
mod settings;
mod setup_assist;
mod sso_settings;
mod template_wizard;
mod templates;

use crate::http::route_table::RouteTable;
use crate::paths;
use crate::state::AppState;

pub fn routes(t: RouteTable<AppState>) -> RouteTable<AppState> {
    let t = t.get(paths::PARTNER, overview::page);
    let t = customer_wizard::routes(t);
    let t = customers::routes(t);
    let t = customer_edit::routes(t);
    let t = setup_assist::routes(t);
    let t = template_wizard::routes(t);
    let t = templates::routes(t);
    let t = indirect::routes(t);
    let t = billing::routes(t);
    let t = t.get(paths::SETTINGS, settings::admins);
    let t = api_tokens::routes(t);
    let t = sso_settings::routes(t);
    let t = branding::routes(t);
    let t = jobs::routes(t);
    let t = t.get(paths::MAILBOX, mailbox::page);
    t.get(paths::AUDIT, audit::page)
}
