"""Registers kept by the employment centre: employers, vacancies and
active-measure programmes (and, later, the job-seeker and unemployed
registers and referrals)."""
