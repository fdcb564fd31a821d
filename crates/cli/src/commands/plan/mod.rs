//! Plans: a command's arguments resolved once into what it will do, before it asks anything of
//! Apple or a team store. A plan holds no clap type and no pending read: every environment
//! variable, secret file, standard input and prompt it needed was read through [`crate::inputs::Inputs`],
//! by the same rules for every secret. A command then runs its plan; its tests build the plan from
//! an argv and a scripted world, without a terminal or a network.

pub(crate) mod create;
pub(crate) mod ensure;
pub(crate) mod export;
pub(crate) mod team;
