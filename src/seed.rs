//! Demo data for `scripts/run` (`hub seed-demo`): partner *Northwind Telecom* with 25
//! customers and three templates, sub-partners *Southwind Reseller* (5 customers of its
//! own) and *Eastwind Networks* (3), siblings that never see each other, and an admin
//! for every role. Runs only on an empty database.

use crate::db::Pool;
use sqlx::PgConnection;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::auth::password;
use crate::domain::admin_package::admin_package_of;
use crate::domain::org_kind::OrgKind;
use crate::domain::roles::Role;
use crate::store::{orgs, people};

pub struct DemoAccount {
    pub email: String,
    pub role: &'static str,
}

pub struct Seeded {
    pub accounts: Vec<DemoAccount>,
    pub first_customer_domain: String,
    /// Orgs a partner can attach wholesale to (`POST /v1/wholesale/customers` with `orgId`).
    pub existing_orgs: Vec<ExistingOrg>,
}

const NORTHWIND_CUSTOMERS: [(&str, &str, &str); 25] = [
    ("Acme Dental", "US", "provisioned"),
    ("Bluebird Bakery", "US", "provisioned"),
    ("Cedar Law Partners", "CA", "provisioned"),
    ("Delta Plumbing", "US", "provisioned"),
    ("Elm Street Clinic", "US", "provisioned_with_errors"),
    ("Fjord Architects", "NO", "provisioned"),
    ("Granite Accounting", "GB", "provisioned"),
    ("Harbor Realty", "US", "provisioning"),
    ("Iris Florists", "FR", "provisioned"),
    ("Juniper Yoga", "AU", "provisioned"),
    ("Kestrel Logistics", "DE", "error"),
    ("Lumen Opticians", "GB", "provisioned"),
    ("Maple Veterinary", "CA", "provisioned"),
    ("Nimbus Software", "US", "updating"),
    ("Orchid Spa", "SG", "provisioned"),
    ("Pine Hardware", "US", "provisioned"),
    ("Quartz Jewellers", "GB", "pending_rpl_review"),
    ("Redwood Insurance", "US", "provisioned"),
    ("Sage Pharmacy", "US", "provisioned"),
    ("Tidewater Marine", "AU", "provisioned"),
    ("Umber Coffee", "US", "provisioning"),
    ("Vista Travel", "ES", "provisioned"),
    ("Willow Daycare", "US", "provisioned"),
    ("Xenon Labs", "DE", "provisioned"),
    ("Yarrow Gardens", "NL", "provisioned"),
];

const SOUTHWIND_CUSTOMERS: [(&str, &str, &str); 5] = [
    ("Aurora Salon", "US", "provisioned"),
    ("Birch Bicycles", "US", "provisioned"),
    ("Copper Kettle Diner", "US", "provisioning"),
    ("Dune Surf Shop", "AU", "provisioned"),
    ("Ember Fitness", "GB", "error"),
];

/// Northwind's logo: a plain SVG (no script, nothing from elsewhere).
const NORTHWIND_LOGO: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 132 28" width="132" height="28"><rect width="28" height="28" rx="6" fill="#0b62d6"/><path d="M7 21V7l7 9 7-9v14" stroke="#ffffff" stroke-width="3" fill="none" stroke-linejoin="round"/><text x="35" y="20" font-size="16" font-family="sans-serif" font-weight="700" fill="#ffffff">Northwind</text></svg>"##;

/// The second sub-partner's customers: a sibling of Southwind's, for seeing that
/// sub-partners never see each other (SPEC §1).
const EASTWIND_CUSTOMERS: [(&str, &str, &str); 3] = [
    ("Fern Florists", "US", "provisioned"),
    ("Granite Gym", "US", "provisioned"),
    ("Harbor Books", "CA", "provisioned"),
];

const FIRST_NAMES: [&str; 12] = [
    "Ana", "Ben", "Chloe", "Dev", "Elif", "Femi", "Grace", "Hiro", "Ines", "Jonas", "Kira", "Luis",
];
const LAST_NAMES: [&str; 12] = [
    "Silva", "Okafor", "Martin", "Patel", "Yilmaz", "Adeyemi", "Kim", "Tanaka", "Garcia", "Berg",
    "Novak", "Reyes",
];

fn slug(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
}

fn tz_lang(country: &str) -> (&'static str, &'static str) {
    match country {
        "US" => ("America/New_York", "en_US"),
        "CA" => ("America/Toronto", "en_CA"),
        "GB" => ("Europe/London", "en_GB"),
        "FR" => ("Europe/Paris", "fr_FR"),
        "DE" => ("Europe/Berlin", "de_DE"),
        "NO" => ("Europe/Oslo", "nb_NO"),
        "AU" => ("Australia/Sydney", "en_AU"),
        "SG" => ("Asia/Singapore", "en_US"),
        "ES" => ("Europe/Madrid", "es_ES"),
        "NL" => ("Europe/Amsterdam", "nl_NL"),
        _ => ("UTC", "en_US"),
    }
}

/// The demo accounts that exist, with what they are, for the start-up banner.
pub async fn demo_accounts_present(db: &Pool) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as(
        "SELECT p.email::text, string_agg(r.role, ' + ' ORDER BY r.role) FROM people p
         JOIN role_assignments r ON r.person_id = p.id
         WHERE p.email::text LIKE ANY (ARRAY['%@northwind.example', '%@southwind.example', '%@eastwind.example', 'customer.%@acme-dental.example', '%@operations.example',
                                              'admin@juniper-legal.example', 'admin@linden-bakery.example', 'admin@mistral-trial-co.example'])
           AND p.password_hash IS NOT NULL
         GROUP BY p.email ORDER BY min(p.created_at), p.email",
    )
    .fetch_all(db)
    .await
}

/// True when the database holds no organisation yet.
pub async fn is_empty(db: &Pool) -> sqlx::Result<bool> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT count(*) FROM orgs")
        .fetch_one(db)
        .await?
        == 0)
}

pub async fn seed_demo(
    db: &Pool,
    demo_password: &str,
    now: OffsetDateTime,
) -> anyhow::Result<Seeded> {
    let pw = demo_password.to_string();
    let hash = tokio::task::spawn_blocking(move || password::hash(&pw)).await??;
    let mut tx = db.begin().await?;
    let conn: &mut PgConnection = &mut tx;
    let mut accounts = vec![];
    let mut existing: Vec<ExistingOrg> = vec![];

    // The partner and its subscription.
    let northwind = orgs::insert(
        &mut *conn,
        &orgs::NewOrg {
            kind: OrgKind::Partner,
            name: "Northwind Telecom",
            parent_org_id: None,
            external_id: None,
            status: None,
            country: Some("US"),
        },
        now - Duration::days(400),
    )
    .await?;
    sqlx::query("UPDATE orgs SET enable_wholesale_delayed_billing = true WHERE id = $1")
        .bind(northwind)
        .execute(&mut *conn)
        .await?;
    let subscription = "Sub-NW-100001";
    sqlx::query("INSERT INTO wholesale_subscriptions (id, partner_org_id) VALUES ($1, $2)")
        .bind(subscription)
        .bind(northwind)
        .execute(&mut *conn)
        .await?;

    let mut admin = async |conn: &mut PgConnection,
                           org: Uuid,
                           email: &str,
                           first: &str,
                           last: &str,
                           roles: &[Role],
                           label: &'static str|
           -> anyhow::Result<Uuid> {
        let id = people::insert(
            &mut *conn,
            &people::NewPerson {
                org_id: org,
                email,
                first_name: first,
                last_name: last,
                password_hash: Some(&hash),
            },
        )
        .await?;
        for role in roles {
            people::grant(&mut *conn, id, org, *role).await?;
        }
        accounts.push(DemoAccount {
            email: email.to_string(),
            role: label,
        });
        Ok(id)
    };
    let nw_admin = admin(
        conn,
        northwind,
        "partner.admin@northwind.example",
        "Nora",
        "Whitfield",
        &[Role::PartnerFullAdmin, Role::WholesaleAdmin],
        "partner full admin + wholesale admin",
    )
    .await?;
    admin(
        conn,
        northwind,
        "partner.readonly@northwind.example",
        "Oscar",
        "Reed",
        &[Role::PartnerReadonlyAdmin],
        "partner read-only admin",
    )
    .await?;
    admin(
        conn,
        northwind,
        "wholesale.admin@northwind.example",
        "Wanda",
        "Hale",
        &[Role::WholesaleAdmin],
        "wholesale admin",
    )
    .await?;
    // A second full admin: templates name one of them as service-provider admin.
    admin(
        conn,
        northwind,
        "operations.lead@northwind.example",
        "Priya",
        "Anand",
        &[Role::PartnerFullAdmin],
        "partner full admin (operations)",
    )
    .await?;

    // The sub-partner, sharing the parent's subscription.
    let southwind = orgs::insert(
        &mut *conn,
        &orgs::NewOrg {
            kind: OrgKind::SubPartner,
            name: "Southwind Reseller",
            parent_org_id: Some(northwind),
            external_id: None,
            status: None,
            country: Some("US"),
        },
        now - Duration::days(200),
    )
    .await?;
    orgs::relate(&mut *conn, northwind, southwind, "parent_of_sub_partner").await?;
    let sw_admin = admin(
        conn,
        southwind,
        "reseller.admin@southwind.example",
        "Sam",
        "Rivers",
        &[Role::PartnerFullAdmin, Role::WholesaleAdmin],
        "sub-partner full admin",
    )
    .await?;

    // Northwind's branding, which its customers' Control Hub shows (SPEC §12).
    let nw = crate::tenancy::scope::PartnerOrgId::vouched(northwind);
    crate::store::branding::save_colours(
        &mut *conn,
        nw,
        &crate::store::branding::Colours {
            light_primary: "#0f3d6e".into(),
            light_accent: "#0b62d6".into(),
            dark_primary: "#0b1f36".into(),
            dark_accent: "#6ea8ff".into(),
            support_url: Some("https://support.northwind.example/".into()),
        },
        now,
    )
    .await?;
    crate::store::branding::set_logo(
        &mut *conn,
        nw,
        Some((NORTHWIND_LOGO.as_bytes(), "image/svg+xml")),
        now,
    )
    .await?;

    // A second sub-partner, a sibling of Southwind with customers of its own.
    let eastwind = orgs::insert(
        &mut *conn,
        &orgs::NewOrg {
            kind: OrgKind::SubPartner,
            name: "Eastwind Networks",
            parent_org_id: Some(northwind),
            external_id: None,
            status: None,
            country: Some("US"),
        },
        now - Duration::days(120),
    )
    .await?;
    orgs::relate(&mut *conn, northwind, eastwind, "parent_of_sub_partner").await?;
    let ew_admin = admin(
        conn,
        eastwind,
        "reseller.admin@eastwind.example",
        "Eli",
        "Stone",
        &[Role::PartnerFullAdmin, Role::WholesaleAdmin],
        "second sub-partner full admin",
    )
    .await?;

    // The installation's own operators review compliance matches (SPEC §4.3).
    let operations = orgs::insert(
        &mut *conn,
        &orgs::NewOrg {
            kind: OrgKind::Operator,
            name: "Wholesale Hub Operations",
            parent_org_id: None,
            external_id: None,
            status: None,
            country: None,
        },
        now - Duration::days(400),
    )
    .await?;
    admin(
        conn,
        operations,
        "compliance.operator@operations.example",
        "Olive",
        "Park",
        &[Role::ComplianceOperator],
        "compliance operator",
    )
    .await?;

    // Templates.
    let nw_templates = [
        template(
            conn,
            northwind,
            "Standard SMB (US)",
            "US",
            "en_US",
            subscription,
            nw_admin,
            "Northwind Business Voice",
            None,
        )
        .await?,
        template(
            conn,
            northwind,
            "Canada bilingual",
            "CA",
            "fr_CA",
            subscription,
            nw_admin,
            "Northwind Canada",
            None,
        )
        .await?,
        template(
            conn,
            northwind,
            "EMEA with cloud PSTN",
            "GB",
            "en_GB",
            subscription,
            nw_admin,
            "Northwind Europe",
            Some("Skyline PSTN"),
        )
        .await?,
    ];
    let sw_template = template(
        conn,
        southwind,
        "Southwind default",
        "US",
        "en_US",
        subscription,
        sw_admin,
        "Southwind Connect",
        None,
    )
    .await?;

    let ew_template = template(
        conn,
        eastwind,
        "Eastwind default",
        "US",
        "en_US",
        subscription,
        ew_admin,
        "Eastwind Voice",
        None,
    )
    .await?;

    let mut first_domain = String::new();
    for (i, (name, country, status)) in NORTHWIND_CUSTOMERS.iter().enumerate() {
        let tpl = nw_templates[i % nw_templates.len()];
        // Acme Dental's administrators are the demo accounts below; every other
        // customer's first user is its full admin.
        let first_user_is_admin = i != 0;
        let domain = customer(
            conn,
            northwind,
            None,
            tpl,
            name,
            country,
            status,
            i,
            first_user_is_admin,
            now,
        )
        .await?;
        if i == 0 {
            first_domain = domain.clone();
            let org: Uuid = sqlx::query_scalar("SELECT id FROM orgs WHERE name = $1")
                .bind(name)
                .fetch_one(&mut *conn)
                .await?;
            // The first provisioned user becomes the customer's full admin (SPEC §5): the
            // administrator given at creation, holding the creation package (SPEC §4.2).
            let full = format!("customer.admin@{domain}");
            let ro = format!("customer.readonly@{domain}");
            sqlx::query("UPDATE orgs SET primary_email = $2 WHERE id = $1")
                .bind(org)
                .bind(&full)
                .execute(&mut *conn)
                .await?;
            let a = admin(
                conn,
                org,
                &full,
                "Carla",
                "Mendes",
                &[Role::CustomerFullAdmin],
                "customer full admin",
            )
            .await?;
            subscriber(
                conn,
                org,
                a,
                "webex_calling",
                Some("2001"),
                now - Duration::days(90),
            )
            .await?;
            let b = admin(
                conn,
                org,
                &ro,
                "Rafael",
                "Ortiz",
                &[Role::CustomerReadonlyAdmin],
                "customer read-only admin",
            )
            .await?;
            subscriber(
                conn,
                org,
                b,
                "webex_meetings",
                None,
                now - Duration::days(80),
            )
            .await?;
        }
    }
    // A hybrid customer (SPEC §7): wholesale and a Flex subscription.
    sqlx::query("UPDATE orgs SET has_flex_subscription = true WHERE name = 'Bluebird Bakery'")
        .execute(&mut *conn)
        .await?;
    for (i, (name, country, status)) in SOUTHWIND_CUSTOMERS.iter().enumerate() {
        customer(
            conn,
            southwind,
            Some(northwind),
            sw_template,
            name,
            country,
            status,
            100 + i,
            true,
            now,
        )
        .await?;
    }
    for (i, (name, country, status)) in EASTWIND_CUSTOMERS.iter().enumerate() {
        customer(
            conn,
            eastwind,
            Some(northwind),
            ew_template,
            name,
            country,
            status,
            200 + i,
            true,
            now,
        )
        .await?;
    }
    // Organisations that existed before wholesale, which nobody manages (SPEC §4.5):
    // one whose admin must consent to an attach (a verified domain), one a partner
    // attaches at once (its only licence is cancelled: the partner becomes full admin),
    // and a trial, which cannot be converted.
    for (name, domain, people_n, licence, trial) in EXISTING_ORGS {
        let org = orgs::insert(
            &mut *conn,
            &orgs::NewOrg {
                kind: OrgKind::Customer,
                name,
                parent_org_id: None,
                external_id: None,
                status: None,
                country: Some("US"),
            },
            now - Duration::days(700),
        )
        .await?;
        sqlx::query(
            "UPDATE orgs SET is_trial = $2, verified_domain = $3, restricted_by_partner = false,
                    language = 'en_US', timezone = 'America/New_York' WHERE id = $1",
        )
        .bind(org)
        .bind(trial)
        .bind(domain.filter(|_| !trial))
        .execute(&mut *conn)
        .await?;
        if let Some((licence, status)) = licence {
            crate::store::existing_orgs::add_licence(
                conn,
                org,
                licence,
                status,
                now - Duration::days(600),
            )
            .await?;
        }
        let mail = slug(name);
        admin(
            conn,
            org,
            &format!("admin@{mail}.example"),
            "Morgan",
            "Reyes",
            &[Role::CustomerFullAdmin],
            EXISTING_ORG_LABELS[existing.len()],
        )
        .await?;
        for n in 1..people_n {
            people::insert(
                &mut *conn,
                &people::NewPerson {
                    org_id: org,
                    email: &format!("user{n}@{mail}.example"),
                    first_name: FIRST_NAMES[n % FIRST_NAMES.len()],
                    last_name: "Existing",
                    password_hash: None,
                },
            )
            .await?;
        }
        existing.push(ExistingOrg {
            id: org,
            name,
            note: EXISTING_ORG_NOTES[existing.len()],
        });
    }
    licence_history(&mut tx, now).await?;
    crate::services::compliance::load_sample_if_empty(&mut tx).await?;
    tx.commit().await?;
    Ok(Seeded {
        accounts,
        first_customer_domain: first_domain,
        existing_orgs: existing,
    })
}

/// Ninety days of licence history for billing (SPEC §8) beyond the joins the customers'
/// users already made: in every third customer one user moves from Webex Calling to
/// Webex Meetings and another leaves, each at an odd hour of a day within the last 90;
/// the workspaces' licences are opened.
async fn licence_history(conn: &mut PgConnection, now: OffsetDateTime) -> anyhow::Result<()> {
    let customers: Vec<Uuid> = sqlx::query_scalar(
        "SELECT o.id FROM orgs o WHERE o.kind = 'customer' AND o.onboarded_by IS NOT NULL AND o.status = 'provisioned'
           -- Customers with a demo account keep their users as the README lists them.
           AND NOT EXISTS (SELECT 1 FROM people p WHERE p.org_id = o.id AND p.password_hash IS NOT NULL)
         ORDER BY o.name",
    )
    .fetch_all(&mut *conn)
    .await?;
    // The demo's workspaces hold their licence from the day they were set up, as a
    // workspace added in Control Hub does (`store::workspaces`).
    sqlx::query(
        "INSERT INTO license_assignments (id, customer_org_id, workspace_id, location_id, package, license_id, started_at)
         SELECT gen_random_uuid(), w.org_id, w.id, w.location_id, w.package, 'lic-' || md5(w.id::text), w.created_at
         FROM workspaces w
         WHERE NOT EXISTS (SELECT 1 FROM license_assignments la WHERE la.workspace_id = w.id)",
    )
    .execute(&mut *conn)
    .await?;
    for (n, org) in customers
        .into_iter()
        .enumerate()
        .filter(|(n, _)| n % 3 == 0)
    {
        // Users without an admin role (an admin keeps the org's creation package).
        let users: Vec<Uuid> = sqlx::query_scalar(
            "SELECT s.id FROM subscribers s
             WHERE s.customer_org_id = $1 AND s.package = 'webex_calling'
               AND NOT EXISTS (SELECT 1 FROM role_assignments r WHERE r.person_id = s.person_id)
             ORDER BY s.created_at, s.id LIMIT 2",
        )
        .bind(org)
        .fetch_all(&mut *conn)
        .await?;
        let odd = |days: i64, minutes: i64| now - Duration::days(days) + Duration::minutes(minutes);
        let changed_at = odd(20 + (n as i64 * 7) % 60, 13 * 60 + 47);
        let left_at = odd(3 + (n as i64 * 5) % 40, 9 * 60 + 13);
        if let Some(id) = users.first()
            && let Some(held) = crate::store::subscribers::lock(&mut *conn, org, *id).await?
            // Only within the user's own licence.
            && licence_since(&mut *conn, held.id).await? < changed_at
        {
            let to = crate::store::subscribers::Changed {
                package: "webex_meetings",
                location_id: held.location_id,
                primary_phone_number: None,
                extension: None,
            };
            crate::store::subscribers::change(&mut *conn, &held, &to, changed_at).await?;
        }
        if let Some(id) = users.get(1)
            && let Some(held) = crate::store::subscribers::lock(&mut *conn, org, *id).await?
            && licence_since(&mut *conn, held.id).await? < left_at
        {
            crate::store::subscribers::remove(&mut *conn, &held, left_at).await?;
        }
    }
    Ok(())
}

/// When the user's open licence started.
async fn licence_since(conn: &mut PgConnection, subscriber: Uuid) -> sqlx::Result<OffsetDateTime> {
    sqlx::query_scalar(
        "SELECT started_at FROM license_assignments WHERE subscriber_id = $1 AND ended_at IS NULL",
    )
    .bind(subscriber)
    .fetch_one(conn)
    .await
}

/// Existing orgs of the demo: name, verified domain, people, a licence held before, trial.
type ExistingSeed = (
    &'static str,
    Option<&'static str>,
    usize,
    Option<(&'static str, &'static str)>,
    bool,
);
const EXISTING_ORGS: [ExistingSeed; 3] = [
    (
        "Juniper Legal",
        Some("juniperlegal.example"),
        6,
        Some(("Meetings Enterprise", "active")),
        false,
    ),
    (
        "Linden Bakery",
        None,
        3,
        Some(("Messaging Starter", "cancelled")),
        false,
    ),
    ("Mistral Trial Co", None, 2, None, true),
];
const EXISTING_ORG_LABELS: [&str; 3] = [
    "existing org's full admin (answers attach requests)",
    "existing org's full admin (auto-attach)",
    "trial org's full admin",
];
const EXISTING_ORG_NOTES: [&str; 3] = [
    "needs its admin's consent (verified domain)",
    "attached at once, partner gets full admin",
    "a trial: attaching is refused",
];

/// An existing org of the demo, for the start-up banner.
pub struct ExistingOrg {
    pub id: Uuid,
    pub name: &'static str,
    pub note: &'static str,
}

/// The demo's existing orgs still unmanaged, for the start-up banner of a later run.
pub async fn existing_orgs_present(db: &Pool) -> sqlx::Result<Vec<(Uuid, String)>> {
    sqlx::query_as(
        "SELECT id, name FROM orgs WHERE kind = 'customer' AND onboarded_by IS NULL AND deleted_at IS NULL
         ORDER BY name",
    )
    .fetch_all(db)
    .await
}

#[allow(clippy::too_many_arguments)]
async fn template(
    conn: &mut PgConnection,
    owner: Uuid,
    name: &str,
    country: &str,
    language: &str,
    subscription: &str,
    sp_admin: Uuid,
    brand: &str,
    pstn_vendor: Option<&str>,
) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO onboarding_templates (id, owner_org_id, name, provisioning_id, sp_admin_person_id, country, language,
                                           subscription_id, email_brand_name, pstn_vendor)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id)
    .bind(owner)
    .bind(name)
    .bind(format!("prov-{}", Uuid::new_v4().simple()))
    .bind(sp_admin)
    .bind(country)
    .bind(language)
    .bind(subscription)
    .bind(brand)
    .bind(pstn_vendor)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// One customer with an HQ location, packages, users and a workspace. Returns its
/// email domain. Its administrator given at creation (`primary_email`) is its first
/// user, a full admin holding the creation package, when `first_user_is_admin`; a
/// customer still provisioning (or failed) has only the promise of the email.
#[allow(clippy::too_many_arguments)]
async fn customer(
    conn: &mut PgConnection,
    manager: Uuid,
    grand_manager: Option<Uuid>,
    template_id: Uuid,
    name: &str,
    country: &str,
    status: &str,
    n: usize,
    first_user_is_admin: bool,
    now: OffsetDateTime,
) -> anyhow::Result<String> {
    let created = now - Duration::days(10 + (n as i64 * 7) % 300);
    let org = orgs::insert(
        &mut *conn,
        &orgs::NewOrg {
            kind: OrgKind::Customer,
            name,
            parent_org_id: None,
            external_id: Some(&format!("EXT-{:05}", 1000 + n)),
            status: Some(status),
            country: Some(country),
        },
        created,
    )
    .await?;
    orgs::relate(&mut *conn, manager, org, "onboarded").await?;
    if let Some(parent) = grand_manager {
        orgs::relate(&mut *conn, parent, org, "parent_of_sub_partner_customer").await?;
    }
    let slug = slug(name);
    let domain = format!("{slug}.example");
    let (tz, lang) = tz_lang(country);
    // US and Canadian addresses carry their state or province (SPEC §9 address).
    let state = match country {
        "US" => Some("IL"),
        "CA" => Some("ON"),
        _ => None,
    };
    let zip = format!("{:05}", 10000 + n * 37);
    let compliance = if status == "pending_rpl_review" {
        "pending_review"
    } else {
        "compliant"
    };
    sqlx::query(
        "UPDATE orgs SET template_id = $2, address_line1 = $3, city = $4, zip_or_postal_code = $5, language = $6,
                timezone = $7, sip_domain = $8, compliance_status = $9, state_or_province = $10,
                provisioned_at = CASE WHEN status IN ('provisioned', 'provisioned_with_errors', 'updating', 'pending_rpl_review')
                                      THEN created_at + interval '1 minute' END
         WHERE id = $1",
    )
    .bind(org)
    .bind(template_id)
    .bind(format!("{} Main Street", 10 + n))
    .bind(match country { "US" => "Springfield", "CA" => "Toronto", "GB" => "London", "AU" => "Sydney", "DE" => "Berlin", "FR" => "Paris", "NO" => "Oslo", "SG" => "Singapore", "ES" => "Madrid", "NL" => "Amsterdam", _ => "Capital" })
    .bind(&zip)
    .bind(lang)
    .bind(tz)
    .bind(format!("{slug}-{:04}.calls.example", 4000 + n))
    .bind(compliance)
    .bind(state)
    .execute(&mut *conn)
    .await?;
    let location = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO locations (id, org_id, name, address_line1, city, state_or_province, zip_or_postal_code, country,
                                timezone, language, is_headquarters, created_at)
         VALUES ($1, $2, 'Headquarters', $3, 'Main', $4, $5, $6, $7, $8, true, $9)",
    )
    .bind(location)
    .bind(org)
    .bind(format!("{} Main Street", 10 + n))
    .bind(state)
    .bind(&zip)
    .bind(country)
    .bind(tz)
    .bind(lang)
    .bind(created)
    .execute(&mut *conn)
    .await?;
    let calling = country != "IN";
    let pkgs: &[&str] = if calling {
        &["webex_calling", "webex_meetings", "common_area_calling"]
    } else {
        &["webex_meetings"]
    };
    let pkg_status = match status {
        "provisioning" => "provisioning",
        "error" => "error",
        _ => "provisioned",
    };
    for p in pkgs {
        sqlx::query("INSERT INTO customer_packages (org_id, package, status) VALUES ($1, $2, $3)")
            .bind(org)
            .bind(p)
            .bind(pkg_status)
            .execute(&mut *conn)
            .await?;
    }
    if status == "provisioning" || status == "error" {
        if first_user_is_admin {
            sqlx::query("UPDATE orgs SET primary_email = $2 WHERE id = $1")
                .bind(org)
                .bind(format!("admin@{domain}"))
                .execute(&mut *conn)
                .await?;
        }
        return Ok(domain);
    }
    let creation_package =
        admin_package_of(&pkgs.iter().map(|p| p.to_string()).collect::<Vec<_>>());
    // A handful of users (most customers have fewer than 20).
    let users = 3 + n % 6;
    for u in 0..users {
        let first = FIRST_NAMES[(n + u) % FIRST_NAMES.len()];
        let last = LAST_NAMES[(n * 3 + u) % LAST_NAMES.len()];
        let email = format!(
            "{}.{}{}@{domain}",
            first.to_lowercase(),
            last.to_lowercase(),
            u
        );
        let person = people::insert(
            &mut *conn,
            &people::NewPerson {
                org_id: org,
                email: &email,
                first_name: first,
                last_name: last,
                password_hash: None,
            },
        )
        .await?;
        let package = match u % 3 {
            0 => "webex_calling",
            1 => "webex_meetings",
            _ => "webex_calling",
        };
        let package = match creation_package {
            Some(p) if u == 0 && first_user_is_admin => {
                people::grant(&mut *conn, person, org, Role::CustomerFullAdmin).await?;
                sqlx::query("UPDATE orgs SET primary_email = $2 WHERE id = $1")
                    .bind(org)
                    .bind(&email)
                    .execute(&mut *conn)
                    .await?;
                p.id()
            }
            _ => package,
        };
        let ext = (package != "webex_meetings").then(|| format!("{}", 3000 + u));
        subscriber(
            conn,
            org,
            person,
            package,
            ext.as_deref(),
            created + Duration::days(1),
        )
        .await?;
    }
    sqlx::query(
        "INSERT INTO workspaces (id, org_id, location_id, name, kind, extension, created_at) VALUES ($1, $2, $3, 'Lobby phone', 'lobby', '1000', $4)",
    )
    .bind(Uuid::new_v4())
    .bind(org)
    .bind(location)
    .bind(created)
    .execute(&mut *conn)
    .await?;
    Ok(domain)
}

async fn subscriber(
    conn: &mut PgConnection,
    org: Uuid,
    person: Uuid,
    package: &str,
    extension: Option<&str>,
    at: OffsetDateTime,
) -> sqlx::Result<()> {
    let location: Option<Uuid> =
        sqlx::query_scalar("SELECT id FROM locations WHERE org_id = $1 AND is_headquarters")
            .bind(org)
            .fetch_optional(&mut *conn)
            .await?;
    crate::store::subscribers::insert_provisioned(
        conn,
        org,
        &crate::store::subscribers::NewSubscriber {
            person_id: person,
            package,
            location_id: location,
            extension,
            primary_phone_number: None,
        },
        at,
    )
    .await?;
    Ok(())
}
