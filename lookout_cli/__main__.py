from lookout_cli.main import main

raise SystemExit(main())
