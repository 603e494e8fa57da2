//! Pure rules of the product, no I/O. Each file is named for the rule it holds.

pub mod org_kind;
pub mod packages;
pub mod restrictions;
pub mod return_to;
pub mod roles;
