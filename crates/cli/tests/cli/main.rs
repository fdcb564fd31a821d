//! Tests of the `ascert` binary, one module per command.

mod sandbox_serve;
