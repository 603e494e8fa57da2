//! Pure rules of the product, no I/O. Each file is named for the rule it holds.

pub mod address;
pub mod admin_package;
pub mod billing_start;
pub mod branding;
pub mod company_name;
pub mod countries;
pub mod csv_export;
pub mod customer_list;
pub mod email_address;
pub mod fields;
pub mod locales;
pub mod new_password;
pub mod org_kind;
pub mod org_summary;
pub mod package_choice;
pub mod packages;
pub mod pstn_vendors;
pub mod quantities;
pub mod regions;
pub mod restrictions;
pub mod return_to;
pub mod roles;
pub mod setup_assist;
pub mod text;
pub mod timezones;
pub mod user_csv;
