from datadive.cli import main

main()
