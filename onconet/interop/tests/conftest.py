"""The scheduling fixtures (proton centres in Kaluga and Moscow, a prepaid Bulgarian referral) serve FHIR too."""

from onconet.scheduling.tests.conftest import course, prepaid_referral, protocols, sched  # noqa: F401
