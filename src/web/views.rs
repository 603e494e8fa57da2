//! What every page shares (`PageCtx`: header, navigation, banners, breadcrumbs) and the
//! error page.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;

use crate::auth::session::AuthSession;
use crate::auth::{CustomerScope, PartnerScope};
use crate::domain::restrictions::Control;
use crate::error::AppResult;
use crate::paths;
use crate::tenancy::policy::PartnerAction;

pub struct NavItem {
    pub label: &'static str,
    pub href: String,
    pub active: bool,
}

/// One step of a breadcrumb trail: a page above the current one (with its link, unless
/// the viewer may not open it), or the current page itself (the last, never a link).
pub struct Crumb {
    pub label: String,
    pub href: Option<String>,
}

/// The pages above the current one, from the hub's top level down. A page below the top
/// level puts itself under its trail with `PageCtx::at`; the layouts render the trail
/// once (`partials/breadcrumbs_partial.html`). Top-level pages (the navigation's own)
/// have none.
#[derive(Default)]
pub struct Trail(Vec<Crumb>);

impl Trail {
    /// A page above, with its link.
    pub fn to(mut self, label: impl Into<String>, href: impl Into<String>) -> Self {
        self.0.push(Crumb {
            label: label.into(),
            href: Some(href.into()),
        });
        self
    }

    /// A page above that the viewer may not open: named, not linked.
    pub fn named(mut self, label: impl Into<String>) -> Self {
        self.0.push(Crumb {
            label: label.into(),
            href: None,
        });
        self
    }

    /// Partner Hub › Customers.
    pub fn customers() -> Self {
        Self::default().to("Customers", paths::CUSTOMERS)
    }

    /// Partner Hub › Customers › the customer.
    pub fn customer(id: uuid::Uuid, name: &str) -> Self {
        Self::customers().to(name, paths::customer(id))
    }

    /// Partner Hub › Settings: a link for those who may open it.
    pub fn settings(may_open: bool) -> Self {
        if may_open {
            Self::default().to("Settings", paths::SETTINGS)
        } else {
            Self::default().named("Settings")
        }
    }

    /// Partner Hub › Templates.
    pub fn templates() -> Self {
        Self::default().to("Templates", paths::TEMPLATES)
    }
}

/// A partner admin working in a customer's Control Hub (SPEC §7): whose hub it is, as
/// whom, and the way back to the customer's page in Partner Hub.
pub struct Managing {
    pub customer: String,
    pub partner: String,
    pub back_href: String,
}

/// The header, navigation and banners of a page.
pub struct PageCtx {
    pub title: String,
    pub csrf: String,
    pub flash: Option<String>,
    pub user_name: String,
    pub user_email: String,
    pub org_name: String,
    pub hub: &'static str,
    pub nav: Vec<NavItem>,
    /// While cross-launched: the sub-partner's name (banner with a way back).
    pub cross_launched_into: Option<String>,
    pub home_org_name: String,
    /// Partner Hub of a sub-partner its parent suspended: the notice (SPEC §9.4).
    pub suspended_notice: bool,
    /// Control Hub: restricted-by-partner notice for customer admins (SPEC §7).
    pub restricted_notice: bool,
    /// Control Hub: set for a partner admin (banner with the way back to Partner Hub).
    pub managing: Option<Managing>,
    /// Where the page sits below its hub's top level; empty on top-level pages.
    pub crumbs: Vec<Crumb>,
    /// Control Hub: the managing partner's branding (SPEC §12).
    pub branding: Option<BrandView>,
}

/// The managing partner's branding as a Control Hub page links it.
pub struct BrandView {
    pub stylesheet: String,
    pub logo: Option<String>,
    pub partner: String,
    pub support_url: Option<String>,
}

impl PageCtx {
    pub async fn partner(
        scope: &PartnerScope,
        session: &AuthSession,
        active: &str,
        title: &str,
    ) -> AppResult<Self> {
        let mut nav = vec![];
        let mut add = |label: &'static str, href: String, key: &str, allowed: bool| {
            if allowed {
                nav.push(NavItem {
                    label,
                    href,
                    active: key == active,
                });
            }
        };
        add(
            "Overview",
            paths::PARTNER.into(),
            "overview",
            scope.may(PartnerAction::View),
        );
        add(
            "Customers",
            paths::CUSTOMERS.into(),
            "customers",
            scope.may(PartnerAction::View),
        );
        add(
            "Templates",
            paths::TEMPLATES.into(),
            "templates",
            scope.may(PartnerAction::View),
        );
        add(
            "Indirect providers",
            paths::INDIRECT.into(),
            "indirect",
            // A sub-partner can never have sub-partners of its own.
            scope.may(PartnerAction::CrossLaunch)
                && scope.org.kind() != crate::domain::org_kind::OrgKind::SubPartner,
        );
        add(
            "Billing",
            paths::BILLING.into(),
            "billing",
            scope.may(PartnerAction::ViewBilling),
        );
        add(
            "Settings",
            paths::SETTINGS.into(),
            "settings",
            scope.may(PartnerAction::ViewAdministration),
        );
        add(
            "Branding",
            paths::BRANDING.into(),
            "branding",
            scope.may(PartnerAction::ViewAdministration),
        );
        add(
            "Single sign-on",
            paths::SSO_SETTINGS.into(),
            "sso",
            scope.may(PartnerAction::ManageAdministration),
        );
        // Any partner role may hold API tokens; each acts with its own admin's roles.
        add(
            "API tokens",
            paths::API_TOKENS.into(),
            "api-tokens",
            scope.may(PartnerAction::View),
        );
        add(
            "Jobs",
            paths::JOBS.into(),
            "jobs",
            scope.may(PartnerAction::ViewAdministration),
        );
        add(
            "Audit",
            paths::AUDIT.into(),
            "audit",
            scope.may(PartnerAction::ViewAdministration),
        );
        add(
            "Mailbox",
            paths::MAILBOX.into(),
            "mailbox",
            scope.may(PartnerAction::ViewAdministration),
        );
        Ok(Self {
            title: title.to_string(),
            csrf: session.csrf_token().await?,
            flash: session.take_flash().await?,
            user_name: scope.actor.display_name.clone(),
            user_email: scope.actor.email.clone(),
            org_name: scope.org.name.clone(),
            hub: "partner",
            nav,
            cross_launched_into: scope.home.as_ref().map(|_| scope.org.name.clone()),
            home_org_name: scope
                .home
                .as_ref()
                .map(|h| h.name.clone())
                .unwrap_or_default(),
            suspended_notice: scope.suspended(),
            restricted_notice: false,
            managing: None,
            crumbs: vec![],
            branding: None,
        })
    }

    /// Puts the page below `trail`: the breadcrumbs end with `here`, the current page.
    pub fn at(mut self, trail: Trail, here: impl Into<String>) -> Self {
        let mut crumbs = trail.0;
        crumbs.push(Crumb {
            label: here.into(),
            href: None,
        });
        self.crumbs = crumbs;
        self
    }

    pub async fn control(
        scope: &CustomerScope,
        session: &AuthSession,
        active: &str,
        title: &str,
    ) -> AppResult<Self> {
        let org = scope.org.id;
        let items: [(&'static str, &str, &str); 9] = [
            ("Users", "users", "users"),
            ("Workspaces", "workspaces", "workspaces"),
            ("Locations", "locations", "locations"),
            ("Wholesale", "wholesale", "wholesale"),
            ("Account", "account", "account"),
            ("Security", "security", "security"),
            ("Organisation settings", "settings", "settings"),
            ("Calling", "calling", "calling"),
            ("Partner requests", "partner-requests", "partner-requests"),
        ];
        let nav = items
            .into_iter()
            // The wholesale menu is for customers holding wholesale services (SPEC §7).
            .filter(|(_, seg, _)| *seg != "wholesale" || scope.org.wholesale())
            // Requests to attach wholesale are the org's own admins' to answer (SPEC §4.5).
            .filter(|(_, seg, _)| *seg != "partner-requests" || !scope.access.is_partner())
            .map(|(label, seg, key)| NavItem {
                label,
                href: paths::control(org, seg),
                active: key == active,
            })
            .collect();
        Ok(Self {
            title: title.to_string(),
            csrf: session.csrf_token().await?,
            flash: session.take_flash().await?,
            user_name: scope.actor.display_name.clone(),
            user_email: scope.actor.email.clone(),
            org_name: scope.org.name.clone(),
            hub: "control",
            nav,
            cross_launched_into: None,
            home_org_name: String::new(),
            suspended_notice: false,
            restricted_notice: !scope.access.is_partner()
                && scope.org.restricted_by_partner
                && !scope.may_change(Control::ManageUsers),
            managing: scope.partner.as_ref().map(|partner| Managing {
                customer: scope.org.name.clone(),
                partner: partner.name.clone(),
                back_href: paths::customer(scope.org.id),
            }),
            crumbs: vec![],
            branding: scope.branding.as_ref().map(|b| BrandView {
                stylesheet: format!("{}?v={}", paths::control(org, "theme.css"), b.version),
                logo: b
                    .has_logo
                    .then(|| format!("{}?v={}", paths::control(org, "logo"), b.version)),
                partner: b.partner.clone(),
                support_url: b.support_url.clone(),
            }),
        })
    }
}

impl PageCtx {
    /// Pages of the installation's operators.
    pub async fn operator(
        actor: &crate::tenancy::Actor,
        session: &AuthSession,
        title: &str,
    ) -> AppResult<Self> {
        Ok(Self {
            title: title.to_string(),
            csrf: session.csrf_token().await?,
            flash: session.take_flash().await?,
            user_name: actor.display_name.clone(),
            user_email: actor.email.clone(),
            org_name: "Operations".into(),
            hub: "operator",
            nav: vec![NavItem {
                label: "Compliance reviews",
                href: crate::paths::OPERATOR_COMPLIANCE.into(),
                active: true,
            }],
            cross_launched_into: None,
            home_org_name: String::new(),
            suspended_notice: false,
            restricted_notice: false,
            managing: None,
            crumbs: vec![],
            branding: None,
        })
    }
}

/// The error page: a friendly message and the request id to quote to support.
#[derive(Template, WebTemplate)]
#[template(path = "errors/error.html")]
pub struct ErrorPage {
    pub code: u16,
    pub heading: &'static str,
    pub message: String,
    pub request_id: String,
}

impl ErrorPage {
    pub fn new(status: StatusCode, message: String) -> Self {
        let heading = match status.as_u16() {
            400 => "Please check what you entered",
            403 => "You can't do that",
            404 => "Page not found",
            405 => "Not an address to open",
            429 => "Too many attempts",
            503 => "Temporarily unavailable",
            _ => "Something went wrong",
        };
        Self {
            code: status.as_u16(),
            heading,
            message,
            request_id: crate::http::request_id::current(),
        }
    }
}
