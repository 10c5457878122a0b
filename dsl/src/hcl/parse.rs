//! Placeholder: the HCL parser is being written.
use super::{Inputs, TestFile};
use crate::source::{Error, Location, SourceFile};

pub(crate) fn parse(source: SourceFile, _inputs: &Inputs) -> Result<TestFile, Vec<Error>> {
    Err(vec![Error::new(Location::file(source.path()), "HCL test files are not parsed yet")])
}
