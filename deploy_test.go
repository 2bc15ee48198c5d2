package main

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.yaml.in/yaml/v3"
)

// The deploy files are checked here, since no Docker engine runs in CI: the
// invariants that keep the old deployment's failures from coming back.

type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Profiles    []string          `yaml:"profiles"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		Secrets     []string          `yaml:"secrets"`
		Ports       []any             `yaml:"ports"`
		Volumes     []string          `yaml:"volumes"`
		Networks    []string          `yaml:"networks"`
		Entrypoint  any               `yaml:"entrypoint"`
		StopGrace   string            `yaml:"stop_grace_period"`
		DependsOn   map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
		Healthcheck *struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
		Deploy *struct {
			Replicas     int `yaml:"replicas"`
			UpdateConfig struct {
				Order         string `yaml:"order"`
				FailureAction string `yaml:"failure_action"`
			} `yaml:"update_config"`
			RollbackConfig struct {
				Order string `yaml:"order"`
			} `yaml:"rollback_config"`
			Placement struct {
				Constraints []string `yaml:"constraints"`
			} `yaml:"placement"`
		} `yaml:"deploy"`
	} `yaml:"services"`
	Networks map[string]struct {
		Driver   string `yaml:"driver"`
		Internal bool   `yaml:"internal"`
	} `yaml:"networks"`
	Volumes map[string]any `yaml:"volumes"`
	Secrets map[string]struct {
		File     string `yaml:"file"`
		External bool   `yaml:"external"`
	} `yaml:"secrets"`
}

func readCompose(t *testing.T, path string) (composeFile, string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f composeFile
	if err := yaml.Unmarshal(raw, &f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return f, string(raw)
}

func TestDeployFiles(t *testing.T) {
	known := map[string]bool{}
	for _, s := range settings {
		known[s.name] = true
		if s.secret {
			known[s.name+"_FILE"] = true
		}
	}
	for _, path := range []string{"deploy/docker-compose.yml", "deploy/stack.yml"} {
		t.Run(path, func(t *testing.T) {
			f, raw := readCompose(t, path)
			if strings.Contains(strings.ToLower(raw), "mysql_native_password") || strings.Contains(raw, "default-authentication-plugin") {
				t.Error("MySQL's default authentication is overridden")
			}
			db, api := f.Services["mysql"], f.Services["api"]
			if db.Image != "mysql:8.4" {
				t.Errorf("mysql image %q", db.Image)
			}
			if len(db.Ports) != 0 {
				t.Errorf("MySQL publishes ports %v", db.Ports)
			}
			if !strings.Contains(strings.Join(db.Command, " "), "utf8mb4") {
				t.Error("MySQL is not utf8mb4")
			}
			if db.Healthcheck == nil || api.Healthcheck == nil {
				t.Error("a service has no healthcheck")
			} else if strings.Join(api.Healthcheck.Test, " ") != "CMD /wms healthcheck" {
				t.Errorf("api healthcheck %v", api.Healthcheck.Test)
			}
			if len(api.Ports) != 1 || !strings.Contains(strings.ReplaceAll(strings.TrimSpace(yamlString(api.Ports[0])), " ", ""), "8080") {
				t.Errorf("api ports %v", api.Ports)
			}
			for name, svc := range f.Services {
				if name != "api" && len(svc.Ports) > 0 {
					t.Errorf("%s publishes ports", name)
				}
			}
			// MySQL only on an internal network.
			for _, n := range db.Networks {
				if !f.Networks[n].Internal {
					t.Errorf("MySQL is on network %s, which is not internal", n)
				}
			}
			// Configured only through WMS_*, every one of them real; passwords only from secrets.
			for k, v := range api.Environment {
				if !strings.HasPrefix(k, "WMS_") || !known[k] {
					t.Errorf("api variable %s is not in the configuration contract", k)
				}
				if strings.HasSuffix(k, "PASSWORD") || k == "WMS_MYSQL_DSN" {
					t.Errorf("%s given in plain text", k)
				}
				if strings.HasSuffix(k, "_FILE") && !strings.HasPrefix(v, "/run/secrets/") {
					t.Errorf("%s=%s is not a secret", k, v)
				}
				if strings.Contains(v, "127.0.0.1") || strings.Contains(v, "localhost") {
					t.Errorf("%s=%s points inside the container", k, v)
				}
			}
			if api.Environment["WMS_MYSQL_HOST"] != "mysql" || api.Environment["WMS_MYSQL_PASSWORD_FILE"] == "" {
				t.Errorf("api database settings %v", api.Environment)
			}
			for _, s := range append(db.Secrets, api.Secrets...) {
				if _, ok := f.Secrets[s]; !ok {
					t.Errorf("secret %s is not declared", s)
				}
			}
			for _, svc := range []string{"mysql", "api"} {
				for _, v := range f.Services[svc].Volumes {
					name := strings.SplitN(v, ":", 2)[0]
					if _, ok := f.Volumes[name]; !ok {
						t.Errorf("%s mounts %s, which is not a named volume", svc, name)
					}
				}
			}
			switch path {
			case "deploy/docker-compose.yml":
				if api.DependsOn["mysql"].Condition != "service_healthy" {
					t.Error("api does not wait for MySQL's healthcheck")
				}
				// S3 is optional: a profile, and the api switches to it by
				// WMS_MEDIA_STORE=s3.
				if s3 := f.Services["seaweedfs"]; !slices.Equal(s3.Profiles, []string{"s3"}) {
					t.Errorf("seaweedfs profiles %v, want [s3]", s3.Profiles)
				}
				if api.Environment["WMS_MEDIA_STORE"] != "${WMS_MEDIA_STORE:-folder}" {
					t.Errorf("compose WMS_MEDIA_STORE=%q", api.Environment["WMS_MEDIA_STORE"])
				}
			case "deploy/stack.yml":
				// Two replicas, safe without NFS: media in the bucket.
				if api.Environment["WMS_MEDIA_STORE"] != "s3" {
					t.Errorf("the stack runs %d replicas with WMS_MEDIA_STORE=%q", api.Deploy.Replicas, api.Environment["WMS_MEDIA_STORE"])
				}
				d := api.Deploy
				if d == nil || d.Replicas < 2 || d.UpdateConfig.Order != "start-first" || d.UpdateConfig.FailureAction != "rollback" || d.RollbackConfig.Order != "start-first" {
					t.Errorf("api deploy %+v", d)
				}
				for name, n := range f.Networks {
					if n.Driver != "overlay" {
						t.Errorf("network %s is not an overlay", name)
					}
				}
				for name, s := range f.Secrets {
					if !s.External {
						t.Errorf("secret %s is not external", name)
					}
				}
			}
		})
	}
}

func yamlString(v any) string {
	b, _ := yaml.Marshal(v)
	return string(b)
}

// What deploy/README.md tells an operator, checked against the files it
// describes and against the program: not that it mentions the old failures,
// but that what it says about each holds.
func TestDeployReadmeClaims(t *testing.T) {
	raw, err := os.ReadFile("deploy/README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	top, _ := os.ReadFile("README.md")
	if !strings.Contains(string(top), "deploy/README.md") {
		t.Error("README.md does not point to deploy/README.md")
	}
	compose, _ := readCompose(t, "deploy/docker-compose.yml")
	stack, _ := readCompose(t, "deploy/stack.yml")
	image := readDockerfile(t)
	final := image[len(image)-1]
	volume := final.one(t, "volume").args[0]

	t.Run("the compose secrets are the files the README creates", func(t *testing.T) {
		made := map[string]bool{}
		for _, m := range regexp.MustCompile(`> secrets/(\w+)`).FindAllStringSubmatch(readme, -1) {
			made["./secrets/"+m[1]] = true
		}
		for name, sec := range compose.Secrets {
			if !made[sec.File] {
				t.Errorf("secret %s reads %s, which the README does not create", name, sec.File)
			}
			delete(made, sec.File)
		}
		for f := range made {
			t.Errorf("the README creates %s, which no secret reads", f)
		}
	})
	t.Run("the swarm secrets are the ones the README creates", func(t *testing.T) {
		made := map[string]bool{}
		for _, m := range regexp.MustCompile(`docker secret create (\w+) -`).FindAllStringSubmatch(readme, -1) {
			made[m[1]] = true
		}
		if len(made) == 0 || len(made) != len(stack.Secrets) {
			t.Errorf("the README creates secrets %v; stack.yml declares %v", made, stack.Secrets)
		}
		for name := range stack.Secrets {
			if !made[name] {
				t.Errorf("stack.yml needs secret %s, which the README does not create", name)
			}
		}
	})
	t.Run("MySQL stays on the node the README labels", func(t *testing.T) {
		m := regexp.MustCompile(`docker node update --label-add ([\w.]+)=(\w+)`).FindStringSubmatch(readme)
		if m == nil {
			t.Fatal("the README labels no node")
		}
		want := "node.labels." + m[1] + " == " + m[2]
		if d := stack.Services["mysql"].Deploy; d == nil || !slices.Contains(d.Placement.Constraints, want) {
			t.Errorf("mysql is not placed by %q", want)
		}
	})
	t.Run("the stack runs the image the README deploys", func(t *testing.T) {
		if !strings.Contains(readme, "WMS_IMAGE=") || !strings.HasPrefix(stack.Services["api"].Image, "${WMS_IMAGE") {
			t.Errorf("the README sets WMS_IMAGE; the stack's api image is %q", stack.Services["api"].Image)
		}
	})
	for path, f := range map[string]composeFile{"docker-compose.yml": compose, "stack.yml": stack} {
		api, mysql := f.Services["api"], f.Services["mysql"]
		t.Run(path+": the api's settings are a valid configuration", func(t *testing.T) {
			cfg := loadServiceConfig(t, api.Environment)
			if cfg.DB != "mysql" || cfg.MySQL.Host != "mysql" {
				t.Errorf("api uses %s on host %q", cfg.DB, cfg.MySQL.Host)
			}
			// The host is a service the api shares a network with.
			if _, ok := f.Services[cfg.MySQL.Host]; !ok {
				t.Errorf("WMS_MYSQL_HOST %q is not a service", cfg.MySQL.Host)
			}
			shared := false
			for _, n := range api.Networks {
				shared = shared || slices.Contains(mysql.Networks, n)
			}
			if !shared {
				t.Errorf("api (%v) and mysql (%v) share no network", api.Networks, mysql.Networks)
			}
			// Pooled connections are recycled within 3 minutes and dropped
			// after a minute idle: under swarm's 900 s IPVS idle timeout and
			// MySQL's 8 h wait_timeout.
			if cfg.ConnMaxLifetime > 3*time.Minute || cfg.ConnMaxIdleTime > time.Minute {
				t.Errorf("pool lifetime %v, idle time %v; the README promises 3 min and 1 min at most", cfg.ConnMaxLifetime, cfg.ConnMaxIdleTime)
			}
			// Media in a bucket: on a service of the file, on a network the
			// api shares, so any number of replicas serve every upload.
			if cfg.MediaStore == "s3" {
				u, err := url.Parse(cfg.S3.Endpoint)
				if err != nil {
					t.Fatal(err)
				}
				s3, ok := f.Services[u.Hostname()]
				if !ok || cfg.S3.Bucket == "" || len(s3.Ports) > 0 || s3.Healthcheck == nil {
					t.Errorf("WMS_S3_ENDPOINT %s: not a service of the file with a healthcheck and no published port, or no bucket", cfg.S3.Endpoint)
				}
				shared := false
				for _, n := range api.Networks {
					shared = shared || slices.Contains(s3.Networks, n)
				}
				if !shared {
					t.Errorf("api and %s share no network", u.Hostname())
				}
				for _, v := range api.Volumes {
					t.Errorf("api mounts %s, yet its media are in a bucket: a replica would keep files of its own", v)
				}
				return
			}
			// Media are kept on the named volume, mounted where the image
			// declares its volume.
			mounted := ""
			for _, v := range api.Volumes {
				if parts := strings.SplitN(v, ":", 3); len(parts) >= 2 && parts[0] == "media" {
					mounted = parts[1]
				}
			}
			if mounted != volume || !strings.HasPrefix(cfg.MediaDir, mounted+"/") {
				t.Errorf("media volume mounted at %q, the image's volume is %q, WMS_MEDIA_DIR is %q", mounted, volume, cfg.MediaDir)
			}
			// Start-up waits for MySQL by itself (swarm ignores depends_on):
			// nothing wraps the binary in a wait-for script.
			if api.Entrypoint != nil || len(api.Command) > 0 {
				t.Errorf("api overrides the image's entrypoint or command: %v %v", api.Entrypoint, api.Command)
			}
		})
		t.Run(path+": MySQL's data is on its named volume", func(t *testing.T) {
			if !slices.Contains(mysql.Volumes, "mysql-data:/var/lib/mysql") {
				t.Errorf("mysql volumes %v", mysql.Volumes)
			}
			if !slices.Contains(mysql.Command, "--character-set-server=utf8mb4") || !slices.Contains(mysql.Command, "--collation-server=utf8mb4_unicode_ci") {
				t.Errorf("mysql command %v", mysql.Command)
			}
		})
		t.Run(path+": requests in flight are drained within stop_grace_period", func(t *testing.T) {
			grace, err := time.ParseDuration(api.StopGrace)
			if err != nil {
				t.Fatalf("stop_grace_period %q: %v", api.StopGrace, err)
			}
			cfg, err := LoadConfig(lookupIn(nil))
			if err != nil {
				t.Fatal(err)
			}
			if drain := NewMain(cfg, zerolog.Nop()).ShutdownTimeout; drain >= grace {
				t.Errorf("the server may drain for %v, but the orchestrator kills it after %v", drain, grace)
			}
		})
	}
}

// loadServiceConfig reads a service's environment through the program's own
// configuration, its secrets from stand-in files.
func loadServiceConfig(t *testing.T, environment map[string]string) Config {
	t.Helper()
	vars := map[string]string{}
	for k, v := range environment {
		// ${NAME:-default}: what compose gives when NAME is unset.
		v = regexp.MustCompile(`\$\{\w+:-([^}]*)\}`).ReplaceAllString(v, "$1")
		if strings.HasSuffix(k, "_FILE") {
			file := filepath.Join(t.TempDir(), filepath.Base(v))
			if err := os.WriteFile(file, []byte("a-stand-in-secret\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			v = file
		}
		vars[k] = v
	}
	cfg, err := LoadConfig(lookupIn(vars))
	if err != nil {
		t.Fatalf("the service's environment is not a valid configuration: %v", err)
	}
	return cfg
}
