package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The deploy files are checked here, since no Docker engine runs in CI: the
// invariants that keep the old deployment's failures from coming back.

type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		Secrets     []string          `yaml:"secrets"`
		Ports       []any             `yaml:"ports"`
		Volumes     []string          `yaml:"volumes"`
		Networks    []string          `yaml:"networks"`
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
			case "deploy/stack.yml":
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

func TestDockerfile(t *testing.T) {
	raw, err := os.ReadFile("deploy/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(raw)
	if n := len(regexp.MustCompile(`(?m)^FROM `).FindAllString(df, -1)); n < 2 {
		t.Errorf("%d stages, want a multi-stage build", n)
	}
	for _, want := range []string{"CGO_ENABLED=0", `HEALTHCHECK`, `CMD ["/wms", "healthcheck"]`, `VOLUME ["/data"]`, "distroless/static"} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %s", want)
		}
	}
	user := regexp.MustCompile(`(?m)^USER (\S+)`).FindStringSubmatch(df)
	if user == nil || strings.HasPrefix(user[1], "root") || strings.HasPrefix(user[1], "0") {
		t.Errorf("runs as %v, want a non-root user", user)
	}
	for _, m := range regexp.MustCompile(`(?m)^ENV[^\n]*(?:\\\n[^\n]*)*`).FindAllString(df, -1) {
		for _, v := range regexp.MustCompile(`WMS_[A-Z_]+`).FindAllString(m, -1) {
			found := false
			for _, s := range settings {
				found = found || s.name == v
			}
			if !found {
				t.Errorf("Dockerfile sets %s, which is not in the configuration contract", v)
			}
		}
	}
}

func TestDeployReadmeMapsEveryOldFailure(t *testing.T) {
	raw, err := os.ReadFile("deploy/README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, failure := range []string{"caching_sha2_password", "depends_on", "127.0.0.1", "wait_timeout", "3306", "migrations", "utf8mb4", "media"} {
		if !strings.Contains(string(raw), failure) {
			t.Errorf("deploy/README.md does not address %s", failure)
		}
	}
	top, _ := os.ReadFile("README.md")
	if !strings.Contains(string(top), "deploy/README.md") {
		t.Error("README.md does not point to deploy/README.md")
	}
}
