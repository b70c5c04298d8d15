//! Integration tests: the real `certify` binary, run in a temporary folder.
//! One test binary (as in just), so the crate is linked once.

mod support;

mod analysis;
mod appeals;
mod bad_input;
mod bank_export;
mod bank_import;
mod bank_queries;
mod browser;
mod bundled_bank;
mod certificates;
mod documents;
mod exam;
mod exam_browser;
mod exam_crash;
mod exam_redteam;
mod lint;
mod messages;
mod operations;
mod pages;
mod papers;
mod practical;
mod readme;
mod score_sheets;
mod server;
mod server_ops;
mod sessions;
mod trust;
mod workspace;
