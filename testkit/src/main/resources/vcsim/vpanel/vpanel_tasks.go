// vpanel's own test extension of govmomi's vCenter simulator (0.24.2). NOT vCenter's behaviour,
// our model of it: build-vcsim-vpanel.sh copies this file into a copy of the simulator package
// and makes RelocateVM_Task run through RunAsync. With VCSIM_VPANEL_TASK_MS=N (N > 0) the task
// returns at once in state "running", advances info.progress in ten steps over N ms, and only then
// relocates the VM; CancelTask during that time ends it with RequestCanceled and the VM stays.
// Stock vcsim 0.24 runs every task to its end before the method returns and has no CancelTask.
package simulator

import (
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

var vpanelTaskMillis = func() int {
	v, _ := strconv.Atoi(os.Getenv("VCSIM_VPANEL_TASK_MS"))
	return v
}()

var vpanelCancelled sync.Map // task id -> true

// RunAsync runs the task in the background when VCSIM_VPANEL_TASK_MS is set, else like Run.
func (t *Task) RunAsync(ctx *Context) types.ManagedObjectReference {
	if vpanelTaskMillis <= 0 {
		return t.Run()
	}
	Map.Update(t, []types.PropertyChange{
		{Name: "info.startTime", Val: time.Now()},
		{Name: "info.state", Val: types.TaskInfoStateRunning},
		{Name: "info.cancelable", Val: true},
	})
	go func() {
		const steps = 10
		for i := 1; i <= steps; i++ {
			time.Sleep(time.Duration(vpanelTaskMillis/steps) * time.Millisecond)
			if _, ok := vpanelCancelled.Load(t.Self.Value); ok {
				t.Execute = func(*Task) (types.AnyType, types.BaseMethodFault) {
					return nil, new(types.RequestCanceled)
				}
				break
			}
			if i < steps {
				Map.Update(t, []types.PropertyChange{{Name: "info.progress", Val: int32(i * 100 / steps)}})
			}
		}
		entity := Map.Get(*t.Info.Entity)
		if entity == nil {
			t.Execute = func(*Task) (types.AnyType, types.BaseMethodFault) {
				return nil, new(types.ManagedObjectNotFound)
			}
			t.Run()
			return
		}
		Map.WithLock(entity, func() { t.Run() })
	}()
	return t.Self
}

// CancelTask marks a running task cancelled; it ends with RequestCanceled at its next step.
func (t *Task) CancelTask(ctx *Context, req *types.CancelTask) soap.HasFault {
	body := &methods.CancelTaskBody{}
	if t.Info.State == types.TaskInfoStateSuccess || t.Info.State == types.TaskInfoStateError {
		body.Fault_ = Fault("the task has ended", &types.InvalidState{})
		return body
	}
	vpanelCancelled.Store(t.Self.Value, true)
	body.Res = new(types.CancelTaskResponse)
	return body
}
