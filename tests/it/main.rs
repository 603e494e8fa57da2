//! The one integration-test binary (one link step for every test module).

mod common;

mod api;
mod api_customers;
mod api_subscribers;
mod architecture;
mod audit;
mod authz;
mod browser;
mod browser_control;
mod browser_customer_edit;
mod browser_customers;
mod browser_hubs;
mod browser_templates;
mod browser_wizard;
mod compliance;
mod control_csv;
mod control_places;
mod control_users;
mod csrf;
mod customer_admin;
mod customer_edit;
mod customer_list;
mod customer_list_tools;
mod emails;
mod hardening;
mod jobs;
mod login;
mod ops;
mod pages;
mod removed_services;
mod scale_out;
mod setup_assist;
mod statements;
mod templates;
mod wizard;
