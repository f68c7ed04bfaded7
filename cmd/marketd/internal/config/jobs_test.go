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
    - {name: naver-us, cron: "0 30 17 * * MON-FRI", tz: America/New_York, source: naver, market: XNYS}
    - {name: tokyo, cron: "0 30 16 * * MON-FRI", tz: Asia/Tokyo, source: yahoo, market: XTKS}
    - {name: live-us, cron: "0 30 9 * * MON-FRI", tz: America/New_York, source: yahoo, market: XNYS}
    - {name: live-naver, cron: "0 */15 9-15 * * MON-FRI", tz: Asia/Seoul, source: naver, market: XKRX}
`)
	_, err := Load(Options{Path: path})
	want := path + `:5: schedule.jobs[2].source: job "lse": "bing" is not yahoo or naver
` + path + `:5: schedule.jobs[2].market: job "lse": unknown market "XWAR" (want a MIC such as XNYS, XKRX, XTKS, XLON or a name such as NYSE, KOSPI, JPX, LSE, XETRA); marketd calendar show lists them
` + path + `:6: schedule.jobs[3].market: job "kospi": "KOSPI": write XKRX: a job selects the instruments of a whole exchange, by its code
` + path + `:7: schedule.jobs[4].source: job "us": "Yahoo" is not yahoo or naver
` + path + `:7: schedule.jobs[4].market: job "us": "xnys": write XNYS: a job selects the instruments of a whole exchange, by its code
` + path + `:9: schedule.jobs[6].market: job "naver-us": naver has Korean (XKRX) instruments only, so source naver on XNYS would collect nothing: use source yahoo, or market XKRX
` + path + `:11: schedule.jobs[8].source: job "live-us": a live- job polls a live quote feed through its market's session: only source naver, market XKRX has one`
	if err == nil || err.Error() != want {
		t.Errorf("Load = %v\nwant %s", err, want)
	}
}
