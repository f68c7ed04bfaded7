package schedule

import (
	"slices"
	"testing"
)

func TestJobNames(t *testing.T) {
	s := Settings{Jobs: []JobSpec{{Name: "collect-krx"}, {Name: JobValidate}}}
	if got := s.JobNames(); !slices.Equal(got, []string{"collect-krx", JobValidate}) {
		t.Errorf("JobNames = %v", got)
	}
}
