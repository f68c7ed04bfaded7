package config

import (
	"testing"
)

// A job's source and market are checked at load, each error naming the
// job's key and line: the runner would otherwise select no instrument and
// record every run as ok.
func TestJobSelection(t *testing.T) {
	t.Chdir(t.TempDir())
	valid := writeFile(t, `schedule:
  jobs:
    - {name: collect-krx, cron: "0 30 20 * * MON-FRI", tz: Asia/Seoul, source: naver, market: XKRX}
    - {name: all-us, cron: "0 30 17 * * MON-FRI", tz: America/New_York, market: XNYS}
    - {name: yahoo-everywhere, cron: "0 0 9 * * *", tz: UTC, source: yahoo}
`)
	if cfg, err := Load(Options{Path: valid}); err != nil || len(cfg.Schedule.Jobs) != 3 {
		t.Errorf("Load = %d jobs, %v; want 3, nil", len(cfg.Schedule.Jobs), err)
	}

	path := writeFile(t, `schedule:
  jobs:
    - {name: collect-krx, cron: "0 30 20 * * MON-FRI", tz: Asia/Seoul, source: naver, market: XKRX}
    - {name: all-us, cron: "0 30 17 * * MON-FRI", tz: America/New_York, market: XNYS}
    - {name: lse, cron: "0 30 17 * * MON-FRI", tz: Europe/London, source: bing, market: XWAR}
    - {name: kospi, cron: "0 30 20 * * MON-FRI", tz: Asia/Seoul, source: naver, market: KOSPI}
    - {name: us, cron: "0 30 17 * * MON-FRI", tz: America/New_York, source: Yahoo, market: xnys}
    - {name: validate, cron: "0 0 7 * * *", tz: Asia/Seoul}
`)
	_, err := Load(Options{Path: path})
	want := path + `:5: schedule.jobs[2].source: "bing" is not yahoo or naver
` + path + `:5: schedule.jobs[2].market: unknown market "XWAR": want XKRX or XNYS
` + path + `:6: schedule.jobs[3].market: "KOSPI": write XKRX: a job selects the instruments of a whole exchange, by its code
` + path + `:7: schedule.jobs[4].source: "Yahoo" is not yahoo or naver
` + path + `:7: schedule.jobs[4].market: "xnys": write XNYS: a job selects the instruments of a whole exchange, by its code`
	if err == nil || err.Error() != want {
		t.Errorf("Load = %v\nwant %s", err, want)
	}
}
