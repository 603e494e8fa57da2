//! Wholesale customers (SPEC §4.1–§4.4, §9): one set of rules for the create-customer
//! wizard, the customer pages and `/v1/wholesale/customers`.
//!
//! Every change answers at once and finishes in the background: creating stores the
//! customer in `provisioning` and enqueues `customer.provision`; a change puts it in
//! `updating` and enqueues `customer.update`; removal puts it in `deleting` and
//! enqueues `customer.delete`. Each job runs in one transaction and may run again after
//! a crash without doing anything twice.

pub mod attach;
pub mod bulk;
pub mod change;
pub mod create;
pub mod first_admin;
pub mod input;
pub mod plan;
pub mod precheck;
pub mod provision_job;
pub mod remove;
pub mod rules;

pub use input::{AddressInput, CustomerUpdate, LocationInput, NewCustomer, PendingWork};
