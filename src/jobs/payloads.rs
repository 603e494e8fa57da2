//! What each kind of job carries: one serde struct per job kind, so the code that
//! enqueues a job and the handler that runs it cannot disagree about a field name.
//! The JSON stays what it was (`{"org_id": …}`, `{"check_id": …}`, `{"email_id": …}`,
//! `{}`), so jobs queued by an older build still run.

use uuid::Uuid;

pub use super::queue::JobPayload;

/// Declares a job about one customer, named by its id. Eight attempts, as a
/// customer's work must not give up early.
macro_rules! customer_job {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
        pub struct $name {
            pub org_id: Uuid,
        }

        impl JobPayload for $name {
            const KIND: &'static str = $kind;
            const MAX_ATTEMPTS: i32 = 8;
            fn org_id(&self) -> Option<Uuid> {
                Some(self.org_id)
            }
        }
    };
}

customer_job!(
    /// Finishes a new customer: first location, SIP domain, meeting site, packages.
    ProvisionCustomer,
    "customer.provision"
);
customer_job!(
    /// Finishes a change: removed packages go, new ones are provisioned.
    UpdateCustomer,
    "customer.update"
);
customer_job!(
    /// Removes a customer's wholesale services and users; the org record stays.
    DeleteCustomer,
    "customer.delete"
);

/// Compares a customer's name with the restricted-party list.
#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
pub struct CheckCompliance {
    pub check_id: Uuid,
    /// The customer checked; on the job row only, not in the payload.
    #[serde(skip)]
    pub org: Option<Uuid>,
}

impl JobPayload for CheckCompliance {
    const KIND: &'static str = "compliance.check";
    const MAX_ATTEMPTS: i32 = 8;
    fn org_id(&self) -> Option<Uuid> {
        self.org
    }
}

/// Deprovisions customers whose review is past its deadline.
#[derive(Clone, Copy, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct SweepCompliance {}

impl JobPayload for SweepCompliance {
    const KIND: &'static str = "compliance.sweep";
    // As `NewJob::new` gives any job without its own count.
    const MAX_ATTEMPTS: i32 = 5;
    fn org_id(&self) -> Option<Uuid> {
        None
    }
}

/// Sends one email of the outbox over SMTP.
#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
pub struct DeliverEmail {
    pub email_id: Uuid,
    /// The org the email is about; on the job row only, not in the payload.
    #[serde(skip)]
    pub org: Option<Uuid>,
}

impl JobPayload for DeliverEmail {
    const KIND: &'static str = "email.deliver";
    const MAX_ATTEMPTS: i32 = 10;
    fn org_id(&self) -> Option<Uuid> {
        self.org
    }
}

/// Applies the rows of a previewed users CSV import (`services::user_import`).
#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
pub struct ApplyUserImport {
    pub import_id: Uuid,
    pub org_id: Uuid,
}

impl JobPayload for ApplyUserImport {
    const KIND: &'static str = "users.import";
    const MAX_ATTEMPTS: i32 = 8;
    fn org_id(&self) -> Option<Uuid> {
        Some(self.org_id)
    }
}

/// Generates a billing report's CSV (`services::billing`).
#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
pub struct GenerateBillingReport {
    pub report_id: Uuid,
    /// The partner the report is for; on the job row only, not in the payload.
    #[serde(skip)]
    pub org: Option<Uuid>,
}

impl JobPayload for GenerateBillingReport {
    const KIND: &'static str = "billing.report";
    const MAX_ATTEMPTS: i32 = 3;
    fn org_id(&self) -> Option<Uuid> {
        self.org
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_keep_their_json_shape() {
        let id = Uuid::nil();
        let job = ProvisionCustomer { org_id: id }.job().unwrap();
        assert_eq!(job.payload, serde_json::json!({ "org_id": id }));
        assert_eq!(
            (job.kind, job.org_id, job.max_attempts),
            ("customer.provision", Some(id), 8)
        );
        let job = CheckCompliance {
            check_id: id,
            org: Some(id),
        }
        .job()
        .unwrap();
        assert_eq!(job.payload, serde_json::json!({ "check_id": id }));
        assert_eq!(job.org_id, Some(id));
        let job = DeliverEmail {
            email_id: id,
            org: None,
        }
        .job()
        .unwrap();
        assert_eq!(job.payload, serde_json::json!({ "email_id": id }));
        assert_eq!(job.max_attempts, 10);
        assert_eq!(
            SweepCompliance {}.job().unwrap().payload,
            serde_json::json!({})
        );
    }
}
