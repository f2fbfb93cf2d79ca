from onconet.scheduling.tests.conftest import prepaid_referral, protocols, sched  # noqa: F401  (fixtures)
