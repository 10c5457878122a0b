CREATE TABLE employees (id integer NOT NULL PRIMARY KEY, department_id integer);
CREATE TABLE departments (id integer NOT NULL PRIMARY KEY, head_id integer);
ALTER TABLE employees ADD CONSTRAINT employees_department
  FOREIGN KEY (department_id) REFERENCES departments (id);
ALTER TABLE departments ADD CONSTRAINT departments_head
  FOREIGN KEY (head_id) REFERENCES employees (id) ON DELETE SET NULL;
