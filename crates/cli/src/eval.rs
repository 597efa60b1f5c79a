pub fn run(_: EvalArgs) -> anyhow::Result<()> { Ok(()) }
#[derive(Debug, clap::Args)] pub struct EvalArgs {}
