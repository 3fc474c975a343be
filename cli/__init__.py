"""The `ledger` command line."""
import click

@click.group()
def main() -> None:
    """ledger"""
