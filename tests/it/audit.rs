//! The audit page: a sub-partner never sees its parent in it (SPEC §1), and its action
//! filter offers only the actions of entries its reader may see.

use reqwest::{Client, StatusCode};
use uuid::Uuid;

use crate::common::*;

const HIDDEN_ACTOR: &str = "An administrator of your managing partner";

/// The audit page as `c` sees it, after checking it was served.
async fn audit_page(app: &TestApp, c: &Client, query: &str) -> String {
    app.page(c, &format!("/partner/audit{query}")).await
}

/// The parent admin cross-launches into Southwind and removes one of its customers.
async fn parent_acts_in_southwind(app: &TestApp) -> Client {
    let admin = app.client_for(PARTNER_ADMIN).await;
    app.cross_launch(&admin).await;
    let aurora = app.org_id("Aurora Salon").await;
    let r = app
        .post_form_with(
            &admin,
            &format!("/partner/customers/{aurora}/delete"),
            &[("confirm", "1")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.audit_count("customer.delete", "success").await, 1);
    admin
}

#[tokio::test]
async fn a_sub_partner_sees_its_parents_actions_but_not_who_or_which_partner() {
    let app = spawn_app().await;
    let admin = parent_acts_in_southwind(&app).await;
    let northwind = app.org_id("Northwind Telecom").await;
    let parent_person: Uuid = sqlx::query_scalar("SELECT id FROM people WHERE email = $1")
        .bind(PARTNER_ADMIN)
        .fetch_one(&app.db)
        .await
        .unwrap();

    let reseller = app.client_for(RESELLER_ADMIN).await;
    let html = audit_page(&app, &reseller, "").await;
    assert!(html.contains("customer.delete") && html.contains("cross_launch.enter"));
    assert!(html.contains(HIDDEN_ACTOR));
    for secret in [
        PARTNER_ADMIN.to_string(),
        "Northwind".to_string(),
        "northwind".to_string(),
        northwind.to_string(),
        parent_person.to_string(),
    ] {
        assert!(!html.contains(&secret), "the sub-partner sees {secret}");
    }
    // The filters cannot be used to find the parent either.
    for query in [
        "?actor=northwind",
        "?actor=partner.admin",
        "?org=northwind",
        "?org=telecom",
    ] {
        let html = audit_page(&app, &reseller, query).await;
        assert!(html.contains("No audit entries match"), "{query}");
    }
    // Its own entries still match.
    let html = audit_page(&app, &reseller, "?actor=reseller").await;
    assert!(html.contains(RESELLER_ADMIN));

    // The parent, cross-launched into the sub-partner's hub, sees who did it...
    let html = audit_page(&app, &admin, "?action=customer.delete").await;
    assert!(html.contains(PARTNER_ADMIN) && !html.contains(HIDDEN_ACTOR));
    let html = audit_page(&app, &admin, "?org=northwind").await;
    assert!(html.contains("Northwind Telecom") && html.contains("cross_launch.enter"));
    // ...and so it does in its own hub.
    let r = app.post_form_with(&admin, "/partner/return", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = audit_page(&app, &admin, "?action=customer.delete").await;
    assert!(html.contains(PARTNER_ADMIN) && !html.contains(HIDDEN_ACTOR));
}

/// The options of the page's action filter.
fn action_options(html: &str) -> Vec<String> {
    let list = html
        .split(r#"<datalist id="actions">"#)
        .nth(1)
        .and_then(|rest| rest.split("</datalist>").next())
        .expect("the action filter's list");
    list.split(r#"<option value=""#)
        .skip(1)
        .filter_map(|o| o.split('"').next())
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn the_action_filter_lists_only_actions_its_reader_may_see() {
    let app = spawn_app().await;
    let northwind = app.org_id("Northwind Telecom").await;
    let acme = app.org_id("Acme Dental").await;
    let aurora = app.org_id("Aurora Salon").await;
    for (action, org) in [
        ("test.northwind_only", northwind),
        ("test.acme", acme),
        ("test.aurora", aurora),
    ] {
        sqlx::query(
            "INSERT INTO audit_log (at, acting_for_org_id, target_org_id, action, outcome)
             VALUES (now(), $1, $1, $2, 'success')",
        )
        .bind(org)
        .bind(action)
        .execute(&app.db)
        .await
        .unwrap();
    }

    let reseller = app.client_for(RESELLER_ADMIN).await;
    let options = action_options(&audit_page(&app, &reseller, "").await);
    assert!(options.contains(&"test.aurora".to_string()), "{options:?}");
    assert!(
        options.contains(&"login.password".to_string()),
        "{options:?}"
    );
    for foreign in ["test.northwind_only", "test.acme"] {
        assert!(!options.contains(&foreign.to_string()), "{options:?}");
    }

    let admin = app.client_for(PARTNER_ADMIN).await;
    let options = action_options(&audit_page(&app, &admin, "").await);
    for own in ["test.northwind_only", "test.acme"] {
        assert!(options.contains(&own.to_string()), "{options:?}");
    }
}
