//! The demo orgs in tests: their ids and statuses, onboarding templates, removing a
//! customer, and a partner admin cross-launched into a sub-partner's hub.

use reqwest::{Client, StatusCode};
use uuid::Uuid;

use super::{TestApp, location};

/// The demo partner's sub-partner.
const SUB_PARTNER: &str = "Southwind Reseller";

impl TestApp {
    pub async fn org_id(&self, name: &str) -> Uuid {
        sqlx::query_scalar("SELECT id FROM orgs WHERE name = $1")
            .bind(name)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    /// The status of an org (a customer's `provisioning`, `provisioned`…).
    pub async fn org_status(&self, id: Uuid) -> Option<String> {
        sqlx::query_scalar("SELECT status FROM orgs WHERE id = $1")
            .bind(id)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    /// Whether an org's record is marked deleted (its wholesale services removed).
    pub async fn org_deleted(&self, id: Uuid) -> bool {
        sqlx::query_scalar("SELECT deleted_at IS NOT NULL FROM orgs WHERE id = $1")
            .bind(id)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    /// The id of the onboarding template named `name`.
    pub async fn template_id(&self, name: &str) -> Uuid {
        sqlx::query_scalar("SELECT id FROM onboarding_templates WHERE name = $1")
            .bind(name)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    /// The provisioning id (what the wizard and the API take) of the template `name`.
    pub async fn provisioning_id(&self, name: &str) -> String {
        sqlx::query_scalar("SELECT provisioning_id FROM onboarding_templates WHERE name = $1")
            .bind(name)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    /// `client` (a demo partner admin) cross-launches into the sub-partner's hub;
    /// returns the sub-partner's id.
    pub async fn cross_launch(&self, client: &Client) -> Uuid {
        let sub = self.org_id(SUB_PARTNER).await;
        let r = self
            .post_form_with(
                client,
                &format!("/partner/indirect-providers/{sub}/launch"),
                &[],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "cross-launch refused");
        sub
    }

    /// `client` (a partner admin) confirms the removal of customer `id` from its page;
    /// the removal job is queued, not run.
    pub async fn start_customer_removal(&self, client: &Client, id: Uuid) {
        let r = self
            .post_form_with(
                client,
                &format!("/partner/customers/{id}/delete"),
                &[("confirm", "yes")],
            )
            .await;
        assert_eq!(location(&r), "/partner/customers", "removing {id}");
        assert!(!self.org_deleted(id).await, "removed before its job ran");
    }

    /// `start_customer_removal`, then runs the jobs: the customer is deleted.
    pub async fn remove_customer(&self, client: &Client, id: Uuid) {
        self.start_customer_removal(client, id).await;
        self.run_due_jobs().await;
        assert!(self.org_deleted(id).await, "{id} was not removed");
    }
}
