//! Who is asking and for whom (`Actor`), and the one policy that says what they may do.

pub mod actor;
pub mod policy;
pub mod scope;

pub use actor::Actor;
