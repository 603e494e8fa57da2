//! Partner Hub and Control Hub pages show real data, keep what was typed, and obey
//! restricted mode.

use reqwest::StatusCode;

use crate::common::*;

#[tokio::test]
async fn the_overview_counts_come_from_the_database() {
    let app = spawn_app().await;
    app.login_as(PARTNER_ADMIN).await;
    let northwind = app.org_id("Northwind Telecom").await;
    let html = app.text("/partner").await;
    let customers: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM org_relationships WHERE manager_org_id = $1 AND relation = 'onboarded'",
    )
    .bind(northwind)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(customers, 25);
    assert!(html.contains(&format!(r#"data-testid="total-customers">{customers}<"#)));
    let errors: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM org_relationships r JOIN orgs o ON o.id = r.managed_org_id
         WHERE r.manager_org_id = $1 AND r.relation = 'onboarded' AND o.status = 'error'",
    )
    .bind(northwind)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let row = html.split(r#"data-status="error""#).nth(1).unwrap();
    assert!(
        row.contains(&format!(r#"<td class="num">{errors}</td>"#)),
        "error count {errors}"
    );
    let users: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM subscribers s JOIN org_relationships r ON r.managed_org_id = s.customer_org_id
                 WHERE r.manager_org_id = $1 AND r.relation = 'onboarded')
              + (SELECT count(*) FROM workspaces w JOIN org_relationships r ON r.managed_org_id = w.org_id
                 WHERE r.manager_org_id = $1 AND r.relation = 'onboarded')",
    )
    .bind(northwind)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(users > 0);
    assert!(html.contains(&format!(r#"data-testid="total-users">{users}<"#)));
    assert!(html.contains(r#"data-testid="start-trial">Start trial"#) && html.contains("disabled"));
    assert!(html.contains("a trial cannot be converted into a wholesale customer"));

    // A new customer shows up in the counts.
    sqlx::query("UPDATE orgs SET status = 'error' WHERE name = 'Acme Dental'")
        .execute(&app.db)
        .await
        .unwrap();
    let html = app.text("/partner").await;
    let row = html.split(r#"data-status="error""#).nth(1).unwrap();
    assert!(row.contains(&format!(r#"<td class="num">{}</td>"#, errors + 1)));
}

#[tokio::test]
async fn an_empty_partner_sees_honest_empty_states() {
    let app = spawn_app_empty().await;
    let at = time::OffsetDateTime::now_utc();
    let org = wholesale_hub::store::orgs::insert(
        &app.db,
        &wholesale_hub::store::orgs::NewOrg {
            kind: wholesale_hub::domain::org_kind::OrgKind::Partner,
            name: "Empty Partner",
            parent_org_id: None,
            external_id: None,
            status: None,
            country: Some("US"),
        },
        at,
    )
    .await
    .unwrap();
    let hash = wholesale_hub::auth::password::hash(DEMO_PASSWORD).unwrap();
    let person = wholesale_hub::store::people::insert(
        &app.db,
        &wholesale_hub::store::people::NewPerson {
            org_id: org,
            email: "admin@empty.example",
            first_name: "E",
            last_name: "P",
            password_hash: Some(&hash),
        },
    )
    .await
    .unwrap();
    wholesale_hub::store::people::grant(
        &app.db,
        person,
        org,
        wholesale_hub::domain::roles::Role::PartnerFullAdmin,
    )
    .await
    .unwrap();
    app.login_as("admin@empty.example").await;
    assert!(app.text("/partner").await.contains("No customers yet"));
    assert!(
        app.text("/partner/customers")
            .await
            .contains("You have no customers yet")
    );
    assert!(
        app.text("/partner/templates")
            .await
            .contains("No onboarding templates yet")
    );
    assert!(
        app.text("/partner/billing")
            .await
            .contains("No billing reconciliation reports")
    );
    assert!(
        app.text("/partner/jobs")
            .await
            .contains("No background jobs yet")
    );
}

#[tokio::test]
async fn customers_can_be_searched_filtered_and_paged() {
    let app = spawn_app().await;
    app.login_as(PARTNER_ADMIN).await;
    let html = app.text("/partner/customers").await;
    assert!(html.contains("25 customers"));
    assert!(html.contains("Page 1 of 1"));
    let html = app.text("/partner/customers?q=acme").await;
    assert!(html.contains("1 customer<") && html.contains("Acme Dental"));
    let html = app.text("/partner/customers?q=EXT-01000").await;
    assert!(html.contains("Acme Dental"), "search by external id");
    let html = app.text("/partner/customers?status=provisioning").await;
    assert!(
        html.contains("2 customers")
            && html.contains("Harbor Realty")
            && html.contains("Umber Coffee")
    );
    let html = app.text("/partner/customers?sort=-name").await;
    assert!(
        html.find("Yarrow Gardens").unwrap() < html.find("Acme Dental").unwrap(),
        "Z to A"
    );
    assert!(
        html.contains(r#"aria-sort="descending"><a class="sort" href="/partner/customers">Name"#)
    );
    sqlx::query(
        "UPDATE orgs SET created_at = now() + interval '1 day' WHERE name = 'Maple Veterinary'",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let html = app.text("/partner/customers?sort=-created").await;
    let first_row = html.split("<tbody>").nth(1).unwrap();
    assert!(
        first_row.trim_start().starts_with("<tr>")
            && first_row.find("Maple Veterinary").unwrap() < 600,
        "newest first"
    );
    let html = app.text("/partner/customers?q=zzz").await;
    assert!(html.contains("No customer matches this search"));
    // % and _ are literal characters, not wildcards.
    let html = app.text("/partner/customers?q=%25%25").await;
    assert!(html.contains("0 customers"));

    for i in 0..10 {
        let id = wholesale_hub::store::orgs::insert(
            &app.db,
            &wholesale_hub::store::orgs::NewOrg {
                kind: wholesale_hub::domain::org_kind::OrgKind::Customer,
                name: &format!("Zeta Paging {i:02}"),
                parent_org_id: None,
                external_id: None,
                status: Some("provisioned"),
                country: Some("US"),
            },
            time::OffsetDateTime::now_utc(),
        )
        .await
        .unwrap();
        let northwind = app.org_id("Northwind Telecom").await;
        wholesale_hub::store::orgs::relate(&app.db, northwind, id, "onboarded")
            .await
            .unwrap();
    }
    let html = app.text("/partner/customers?page=2").await;
    assert!(
        html.contains("Page 2 of 2")
            && html.contains("Zeta Paging 09")
            && !html.contains("Acme Dental")
    );
    assert!(html.contains(r#"rel="prev""#));
}

#[tokio::test]
async fn the_customer_page_shows_its_facts_and_packages() {
    let app = spawn_app().await;
    app.login_as(PARTNER_ADMIN).await;
    let acme = app.org_id("Acme Dental").await;
    let html = app.text(&format!("/partner/customers/{acme}")).await;
    for fact in [
        acme.to_string().as_str(),
        "EXT-01000",
        "Sub-NW-100001",
        "acme-dental-4000.calls.example",
        "Webex Calling",
        "Launch Control Hub",
    ] {
        assert!(html.contains(fact), "{fact}");
    }
    assert!(
        html.contains("Save settings"),
        "a full admin can change global settings"
    );
    let ro = app.client_for(PARTNER_READONLY).await;
    let html = app.page(&ro, &format!("/partner/customers/{acme}")).await;
    assert!(
        !html.contains("Save settings") && !html.contains("global-settings"),
        "no mutating control for read-only"
    );
    assert!(html.contains(r#"data-testid="restricted-state">On"#));
}

#[tokio::test]
async fn restricted_mode_locks_the_company_name_until_the_partner_turns_it_off() {
    let app = spawn_app().await;
    let acme = app.org_id("Acme Dental").await;
    let customer = app.client_for(CUSTOMER_ADMIN).await;
    let account = format!("/control/{acme}/account");
    let html = app.page(&customer, &account).await;
    assert!(html.contains(r#"data-testid="restricted-banner""#));
    assert!(
        html.contains(r#"data-testid="company-name">Acme Dental"#)
            && !html.contains("<form method=\"post\" action=\"/control")
    );
    let r = app
        .post_form_with(&customer, &account, &[("name", "Acme Smiles")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // The partner turns restricted mode off.
    let partner = app.client_for(PARTNER_ADMIN).await;
    let r = app
        .post_form_with(
            &partner,
            &format!("/partner/customers/{acme}/global-settings"),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = app.page(&partner, &location(&r)).await;
    assert!(page.contains("Wholesale global settings saved."));
    assert_eq!(
        app.audit_count("customer.global_settings.update", "success")
            .await,
        1
    );

    let html = app.page(&customer, &account).await;
    assert!(!html.contains("restricted-banner"));
    // A bad name is refused beside its field, with the input kept.
    let r = app
        .post_form_with(&customer, &account, &[("name", "Acme 100% Smiles")])
        .await;
    let html = html_of(r, StatusCode::BAD_REQUEST).await;
    assert!(html.contains("cannot contain") && html.contains(r#"value="Acme 100% Smiles""#));
    let r = app
        .post_form_with(&customer, &account, &[("name", "Acme Smiles")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let name: String = sqlx::query_scalar("SELECT name FROM orgs WHERE id = $1")
        .bind(acme)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(name, "Acme Smiles");
    // A read-only customer admin still cannot.
    let ro = app.client_for(CUSTOMER_READONLY).await;
    let r = app.post_form_with(&ro, &account, &[("name", "Nope")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn organisation_settings_can_only_be_restricted_for_hybrid_customers() {
    let app = spawn_app().await;
    let acme = app.org_id("Acme Dental").await;
    app.login_as(PARTNER_ADMIN).await;
    let r = app
        .post_form(
            &format!("/partner/customers/{acme}/global-settings"),
            &[
                ("restricted_by_partner", "on"),
                ("restrict_org_settings", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("both a wholesale and a Flex subscription")
    );
    sqlx::query("UPDATE orgs SET has_flex_subscription = true WHERE id = $1")
        .bind(acme)
        .execute(&app.db)
        .await
        .unwrap();
    let r = app
        .post_form(
            &format!("/partner/customers/{acme}/global-settings"),
            &[
                ("restricted_by_partner", "on"),
                ("restrict_org_settings", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (restricted, org_settings): (bool, bool) = sqlx::query_as(
        "SELECT restricted_by_partner, restrict_org_settings FROM orgs WHERE id = $1",
    )
    .bind(acme)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(restricted && org_settings);
}

#[tokio::test]
async fn control_hub_lists_the_customers_people_locations_and_workspaces() {
    let app = spawn_app().await;
    let acme = app.org_id("Acme Dental").await;
    let c = app.client_for(CUSTOMER_READONLY).await;
    let users = app.page(&c, &format!("/control/{acme}/users")).await;
    assert!(users.contains(CUSTOMER_ADMIN) && users.contains("Full administrator"));
    assert!(users.contains(r#"data-testid="manage-users""#) && users.contains("disabled"));
    let locations = app.page(&c, &format!("/control/{acme}/locations")).await;
    assert!(locations.contains("Headquarters") && locations.contains("America/New_York"));
    let workspaces = app.page(&c, &format!("/control/{acme}/workspaces")).await;
    assert!(workspaces.contains("Lobby phone"));
    let calling = app.page(&c, &format!("/control/{acme}/calling")).await;
    assert!(calling.contains("Phone numbers") && calling.contains("Your partner only"));
}

#[tokio::test]
async fn locations_show_their_state_or_province_and_postal_code() {
    let app = spawn_app().await;
    let acme = app.org_id("Acme Dental").await;
    sqlx::query(
        "UPDATE locations SET address_line1 = '771 Alder Drive', address_line2 = 'Suite 5', city = 'Milpitas',
                state_or_province = 'CA', zip_or_postal_code = '95035'
         WHERE org_id = $1 AND is_headquarters",
    )
    .bind(acme)
    .execute(&app.db)
    .await
    .unwrap();
    let c = app.client_for(CUSTOMER_ADMIN).await;
    let html = app.page(&c, &format!("/control/{acme}/locations")).await;
    assert!(
        html.contains(
            r#"data-testid="location-address">771 Alder Drive, Suite 5, Milpitas, CA 95035, US</td>"#
        ),
        "{html}"
    );
}

/// The breadcrumb trail of a page: the labels, and the links of all but the last.
fn crumbs(html: &str) -> Option<String> {
    let start = html.find(r#"<nav class="breadcrumbs" aria-label="Breadcrumb""#)?;
    let end = start + html[start..].find("</nav>")?;
    Some(html[start..end].to_string())
}

#[tokio::test]
async fn pages_below_a_hubs_top_level_show_where_they_are_and_top_level_pages_do_not() {
    let app = spawn_app().await;
    let c = app.client_for(PARTNER_ADMIN).await;
    let acme = app.org_id("Acme Dental").await;
    let template = app.template_id("Standard SMB (US)").await;
    let cases = [
        (
            format!("/partner/customers/{acme}"),
            vec![
                r#"<a href="/partner/customers">Customers</a>"#.to_string(),
                r#"<span aria-current="page">Acme Dental</span>"#.to_string(),
            ],
        ),
        (
            format!("/partner/customers/{acme}/edit"),
            vec![
                r#"<a href="/partner/customers">Customers</a>"#.to_string(),
                format!(r#"<a href="/partner/customers/{acme}">Acme Dental</a>"#),
                r#"<span aria-current="page">Edit</span>"#.to_string(),
            ],
        ),
        (
            format!("/partner/customers/{acme}/setup-assist"),
            vec![
                format!(r#"<a href="/partner/customers/{acme}">Acme Dental</a>"#),
                r#"<span aria-current="page">Setup assist</span>"#.to_string(),
            ],
        ),
        (
            format!("/partner/templates/{template}"),
            vec![
                r#"<a href="/partner/templates">Templates</a>"#.to_string(),
                r#"<span aria-current="page">Standard SMB (US)</span>"#.to_string(),
            ],
        ),
        (
            "/partner/templates/new/offer".to_string(),
            vec![
                r#"<a href="/partner/templates">Templates</a>"#.to_string(),
                r#"<span aria-current="page">New template</span>"#.to_string(),
            ],
        ),
        (
            "/partner/customers/new/info".to_string(),
            vec![
                r#"<a href="/partner/customers">Customers</a>"#.to_string(),
                r#"<span aria-current="page">Create wholesale customer</span>"#.to_string(),
            ],
        ),
        (
            "/partner/settings/api-tokens".to_string(),
            vec![
                r#"<a href="/partner/settings/admins">Settings</a>"#.to_string(),
                r#"<span aria-current="page">API tokens</span>"#.to_string(),
            ],
        ),
    ];
    for (path, expected) in cases {
        let html = app.page(&c, &path).await;
        let trail = crumbs(&html).unwrap_or_else(|| panic!("{path}: no breadcrumbs"));
        let mut from = 0;
        for crumb in &expected {
            let at = trail[from..]
                .find(crumb.as_str())
                .unwrap_or_else(|| panic!("{path}: {crumb} missing or out of order in {trail}"));
            from += at + crumb.len();
        }
        assert_eq!(
            trail.matches(r#"aria-current="page""#).count(),
            1,
            "{path}: only the last crumb is the current page"
        );
        assert_eq!(
            html.matches(r#"aria-label="Breadcrumb""#).count(),
            1,
            "{path}: one trail"
        );
    }

    // The navigation's own pages have none, in either hub.
    for path in [
        "/partner",
        "/partner/customers",
        "/partner/templates",
        "/partner/billing",
        "/partner/settings/admins",
        "/partner/indirect-providers",
    ] {
        let html = app.page(&c, path).await;
        assert!(crumbs(&html).is_none(), "{path} is a top-level page");
    }
    let customer = app.client_for(CUSTOMER_ADMIN).await;
    for section in ["users", "locations", "calling"] {
        let html = app
            .page(&customer, &format!("/control/{acme}/{section}"))
            .await;
        assert!(crumbs(&html).is_none(), "{section} is a top-level page");
    }

    // A page above that the viewer may not open is named, not linked.
    let wholesale = app.client_for(WHOLESALE_ADMIN).await;
    let html = app.page(&wholesale, "/partner/settings/api-tokens").await;
    let trail = crumbs(&html).expect("breadcrumbs");
    assert!(
        trail.contains("<span>Settings</span>") && !trail.contains("/partner/settings/admins"),
        "{trail}"
    );
}

/// The "who can change it" cell of the Calling page's row for `control`.
fn who_may_change(html: &str, control: &str) -> String {
    let marker = format!(r#"<tr data-control="{control}">"#);
    let row = html
        .split(&marker)
        .nth(1)
        .unwrap_or_else(|| panic!("no {control} row in:\n{html}"));
    let row = &row[..row.find("</tr>").unwrap()];
    let cell = row
        .split(r#"data-testid="who-may-change">"#)
        .nth(1)
        .unwrap();
    let cell = &cell[..cell.find("</td>").unwrap()];
    cell.replace(r#"<span class="locked">"#, "")
        .replace("</span>", "")
        .replace("&#39;", "'")
}

#[tokio::test]
async fn the_calling_page_says_who_may_change_each_setting_to_whoever_looks() {
    let app = spawn_app().await;
    let acme = app.org_id("Acme Dental").await;
    let calling = format!("/control/{acme}/calling");
    let customer = app.client_for(CUSTOMER_ADMIN).await;
    let partner = app.client_for(PARTNER_ADMIN).await;

    // Restricted mode on (the demo customer's default).
    let html = app.page(&customer, &calling).await;
    assert_eq!(
        who_may_change(&html, "DialBehaviour"),
        "Your partner only: restricted mode is on"
    );
    assert_eq!(
        who_may_change(&html, "PhoneNumbers"),
        "Your partner only: customer administrators never change it"
    );
    let html = app.page(&partner, &calling).await;
    assert_eq!(
        who_may_change(&html, "DialBehaviour"),
        "Only you: restricted mode locks it for the customer's administrators"
    );
    assert_eq!(
        who_may_change(&html, "PhoneNumbers"),
        "Only you: customer administrators never change it"
    );
    assert!(
        !html.contains(r#"data-testid="who-may-change">You<"#),
        "the partner admin is never told a bare \"You\" while the mode is on"
    );

    // Mode off: dial behaviour becomes the customer admin's too; phone numbers never do.
    sqlx::query("UPDATE orgs SET restricted_by_partner = false WHERE id = $1")
        .bind(acme)
        .execute(&app.db)
        .await
        .unwrap();
    let html = app.page(&customer, &calling).await;
    assert_eq!(who_may_change(&html, "DialBehaviour"), "You");
    assert_eq!(
        who_may_change(&html, "PhoneNumbers"),
        "Your partner only: customer administrators never change it"
    );
    let html = app.page(&partner, &calling).await;
    assert_eq!(
        who_may_change(&html, "DialBehaviour"),
        "You and the customer's administrators"
    );
}

#[tokio::test]
async fn the_audit_log_filters_by_actor_action_org_and_time() {
    let app = spawn_app().await;
    app.login_as(PARTNER_READONLY).await;
    app.login_with(&new_client(), PARTNER_ADMIN, "wrong").await;
    let admin = app.client_for(PARTNER_ADMIN).await;
    let html = app.page(&admin, "/partner/audit?actor=readonly").await;
    assert!(html.contains(PARTNER_READONLY) && !html.contains(&format!(">{PARTNER_ADMIN}<")));
    let html = app
        .page(
            &admin,
            "/partner/audit?action=login.password&actor=partner.admin",
        )
        .await;
    assert!(html.contains("failure") && html.contains("success"));
    let html = app.page(&admin, "/partner/audit?org=northwind").await;
    assert!(html.contains("Northwind Telecom"));
    let html = app
        .page(&admin, "/partner/audit?from=2999-01-01T00:00")
        .await;
    assert!(html.contains("No audit entries match"));
    let r = app.get_with(&admin, "/partner/audit?from=yesterday").await;
    let html = html_of(r, StatusCode::BAD_REQUEST).await;
    assert!(html.contains("Enter a date and time") && html.contains(r#"value="yesterday""#));
    // A sub-partner sees none of the parent's entries.
    let reseller = app.client_for(RESELLER_ADMIN).await;
    let html = app.page(&reseller, "/partner/audit").await;
    assert!(!html.contains(PARTNER_ADMIN) && html.contains(RESELLER_ADMIN));
}

#[tokio::test]
async fn the_jobs_page_shows_state_and_puts_a_dead_job_back_in_the_queue() {
    let app = spawn_app().await;
    let acme = app.org_id("Acme Dental").await;
    let job: i64 = sqlx::query_scalar(
        "INSERT INTO jobs (kind, org_id, state, attempts, max_attempts, run_at, created_at, updated_at, last_error)
         VALUES ('provision_customer', $1, 'dead', 5, 5, now(), now(), now(), 'vendor timeout') RETURNING id",
    )
    .bind(acme)
    .fetch_one(&app.db)
    .await
    .unwrap();
    app.login_as(PARTNER_ADMIN).await;
    let html = app.text("/partner/jobs").await;
    assert!(
        html.contains("provision_customer")
            && html.contains("vendor timeout")
            && html.contains("5 / 5")
    );
    assert!(html.contains(&format!("/partner/jobs/{job}/retry")));
    let r = app
        .post_form(&format!("/partner/jobs/{job}/retry"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (state, attempts): (String, i32) =
        sqlx::query_as("SELECT state, attempts FROM jobs WHERE id = $1")
            .bind(job)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!((state.as_str(), attempts), ("queued", 0));
    let ro = app.client_for(PARTNER_READONLY).await;
    let html = app.page(&ro, "/partner/jobs").await;
    assert!(
        html.contains("provision_customer") && !html.contains("/retry"),
        "read-only sees no retry button"
    );
}

#[tokio::test]
async fn templates_show_their_provisioning_id() {
    let app = spawn_app().await;
    app.login_as(PARTNER_ADMIN).await;
    let (id, provisioning_id): (uuid::Uuid, String) = sqlx::query_as(
        "SELECT id, provisioning_id FROM onboarding_templates WHERE name = 'Standard SMB (US)'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    let list = app.text("/partner/templates").await;
    assert!(
        list.contains("Standard SMB (US)")
            && list.contains("EMEA with cloud PSTN")
            && !list.contains("Southwind default")
    );
    let html = app.text(&format!("/partner/templates/{id}")).await;
    assert!(html.contains(&format!(r#"value="{provisioning_id}""#)));
}

#[tokio::test]
async fn a_sub_partner_has_no_indirect_providers_entry_and_its_parent_has() {
    let app = spawn_app().await;
    let parent = app.client_for(PARTNER_ADMIN).await;
    let reseller = app.client_for(RESELLER_ADMIN).await;
    let nav = |html: &str| html.contains(r#"href="/partner/indirect-providers""#);
    assert!(
        nav(&app.page(&parent, "/partner").await),
        "the parent partner's entry"
    );
    assert!(
        !nav(&app.page(&reseller, "/partner").await),
        "a sub-partner can never have sub-partners"
    );
    discard(app).await;
}
